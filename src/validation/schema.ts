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

/** The most items a page of any list holds (store/lex-page.ts holds the stores to it too). */
export const MAX_PAGE_SIZE = 500;

/** The `limit` of a list's query, the one page-size rule of the API: a whole number from 1 to MAX_PAGE_SIZE, `defaultSize` when absent. */
export const pageLimit = (defaultSize: number) =>
  z.coerce.number().int('must be a whole number').min(1).max(MAX_PAGE_SIZE).default(defaultSize);

/** The `cursor` of a list's query: the previous page's nextCursor, which the list that gave it checks (store/lex-page.ts). */
export const PageCursorSchema = z.string().max(300).openapi({ description: 'nextCursor of the previous page' });
