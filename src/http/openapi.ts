import { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { invalidRequest } from '../validation/field-problems.js';
import { z } from '../validation/schema.js';

/**
 * A router whose routes are described for the OpenAPI document and validated by their zod
 * schemas; any validation failure becomes the one 400 shape (validation/field-problems.ts).
 */
export function apiRouter<E extends Env>() {
  return new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(result.error.issues, result.target);
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'body.phone: must be the SIP address of your phone' }),
      details: z
        .array(
          z
            .object({
              field: z.string().optional().openapi({
                description: 'Where the problem lies: body.phoneNumbers[1], query.limit, path.id, header.if-match',
              }),
              line: z
                .number()
                .int()
                .optional()
                .openapi({ description: 'In a CSV import: the file’s line (1 is the header)' }),
              column: z.string().optional().openapi({ description: 'In a CSV import: the column' }),
              problem: z.string(),
            })
            // A conflict adds what it is about (the value, its holder); an import's row its row.
            .loose(),
        )
        .optional(),
    }),
  })
  .openapi('Error');

/** The error answers a route may give, described once for the document. */
export function errors(...statuses: (400 | 401 | 403 | 404 | 409 | 412 | 428 | 503)[]) {
  const why: Record<number, string> = {
    400: 'The request is not valid; the message names each bad field',
    401: 'No valid API token',
    403: 'The token may not do this',
    404: 'Not found',
    409: 'In conflict with the current state',
    412: 'If-Match is not the current version: someone changed the object since it was read',
    428: 'If-Match is missing: send the ETag of the version being changed',
    503: 'The media server (Asterisk) or Redis cannot be reached',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: why[status]!, content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  ) as Record<
    (typeof statuses)[number],
    { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }
  >;
}

/** A JSON response for the document: its description and schema. */
export function jsonResponse<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } };
}
