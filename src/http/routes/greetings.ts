import { greetingBodies } from '../../admin/greetings.js';
import { viewSchema } from './admin-resource.js';

/** /api/v1/greetings (mounted in app.ts with its store): what the operator says and callers hear, its id the kommunkod. */
export const greetingApi = {
  plural: 'greetings',
  schemas: { view: viewSchema('Greeting', greetingBodies.create.shape), ...greetingBodies },
};
