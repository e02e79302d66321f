import { dialPolicyBodies } from '../../admin/dial-policies.js';
import { viewSchema } from './admin-resource.js';

/** /api/v1/dial-policies (mounted in app.ts with its store): which numbers each kind of caller of a municipality may dial, and the daily cap per extension; its id the kommunkod. */
export const dialPolicyApi = {
  plural: 'dialPolicies',
  schemas: { view: viewSchema('DialPolicy', dialPolicyBodies.create.shape), ...dialPolicyBodies },
};
