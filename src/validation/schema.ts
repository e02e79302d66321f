import { z } from '@hono/zod-openapi';

/**
 * zod with `.openapi()` (examples, descriptions, component names), for the schemas that the
 * stores check documents with and the HTTP API describes from the same definitions.
 */
export { z };

export const MunicipalityIdSchema = z
  .string()
  .regex(/^\d{4}$/, 'must be a four-digit SCB kommunkod')
  .openapi({ example: '2460', description: 'SCB kommunkod of a member municipality' });
