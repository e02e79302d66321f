import { queuePolicyBodies } from '../../admin/queue-policies.js';
import { viewSchema } from './admin-resource.js';

/** /api/v1/queue-policies (mounted in app.ts with its store): each municipality's limits and where calls overflow, its id the kommunkod. */
export const queuePolicyApi = {
  plural: 'queuePolicies',
  schemas: { view: viewSchema('QueuePolicy', queuePolicyBodies.create.shape), ...queuePolicyBodies },
};
