import { operatorAccountBodies } from '../../admin/operator-accounts.js';
import { viewSchema } from './admin-resource.js';

/** /api/v1/operator-accounts (mounted in app.ts with its store): operators and what they serve by default. */
export const operatorAccountApi = {
  plural: 'operatorAccounts',
  schemas: { view: viewSchema('OperatorAccount', operatorAccountBodies.create.shape), ...operatorAccountBodies },
};
