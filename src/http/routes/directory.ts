import { createRoute } from '@hono/zod-openapi';
import { assertInScope, scopedMunicipality } from '../../auth/access.js';
import type { DirectorySearch } from '../../directory/entries/directory-search.js';
import { entryCsvTransfer } from '../../directory/entries/entry-csv.js';
import {
  ENTRY_ID_PATTERN,
  absenceInputSchema,
  directoryEntryInputSchema,
  directoryEntrySchema,
  type DirectoryEntry,
} from '../../directory/entries/entry-schema.js';
import { entryNotFound, type DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import { MAX_QUERY_LENGTH } from '../../directory/entries/search-terms.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { ETagHeader, IfMatchHeaders, basedOn, etag } from '../etag.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, PageCursorSchema, pageLimit, z } from '../../validation/schema.js';
import { invalidFields } from '../../validation/field-problems.js';
import { csvTransferRoutes } from './csv-transfer.js';

/**
 * /api/v1/directory: the region's shared directory. Operators, auditors and region admins
 * search and read all of it; a municipality admin reads and changes only their own
 * municipality's entries; operators and admins set the hänvisning. Entries are replaced whole (PUT), with
 * If-Match, since an entry is small and edited as one form.
 */

export const EntryViewSchema = directoryEntrySchema
  .extend({
    phoneNumbersDisplay: z.array(z.string()).openapi({ description: 'phoneNumbers in national format, for people' }),
  })
  .openapi('DirectoryEntry');

const EntryInputSchema = directoryEntryInputSchema.openapi('DirectoryEntryInput', {
  description:
    'A person (givenName, familyName) or a department/function (name); numbers in any Swedish notation, stored E.164',
});

const IdParams = z.object({ id: z.string().regex(ENTRY_ID_PATTERN, 'must be an entry id as the API gave it') });

const SearchHitSchema = z
  .object({
    entry: EntryViewSchema,
    score: z.number().openapi({ description: 'Higher is better; equal scores are in Swedish alphabetical order' }),
    match: z.enum(['exact', 'prefix', 'fuzzy']),
    absence: directoryEntrySchema.shape.absence.openapi({
      description: 'The hänvisning in force now (none once its until has passed)',
    }),
  })
  .openapi('DirectorySearchHit');
export type SearchHitView = z.infer<typeof SearchHitSchema>;
export type DirectoryEntryView = z.infer<typeof EntryViewSchema>;

export function entryView(entry: DirectoryEntry) {
  return { ...entry, phoneNumbersDisplay: entry.phoneNumbers.map(formatForDisplay) };
}

const search = createRoute({
  method: 'get',
  path: '/search',
  tags: ['Directory'],
  summary: 'Search the whole region by name, department, function, keyword, extension or number',
  description:
    'Diacritic-insensitive ("asa" finds Åsa), by prefix and tolerant of typos, ranked; ties in Swedish alphabetical order.',
  request: {
    query: z
      .object({
        q: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
          .openapi({ example: 'bygglov vännäs' }),
        municipality: z
          .union([MunicipalityIdSchema, z.array(MunicipalityIdSchema)])
          .optional()
          .openapi({ description: 'Only these municipalities (repeat the parameter for several)' }),
        limit: z.coerce.number().int('must be a whole number').min(1).max(100).default(20),
      })
      .strict(),
  },
  responses: {
    200: jsonResponse('The best hits first', z.object({ hits: z.array(SearchHitSchema) })),
    ...errors(400, 401, 403),
  },
});

const list = createRoute({
  method: 'get',
  path: '/entries',
  tags: ['Directory'],
  summary: 'One municipality’s entries, a page at a time (a municipality admin’s own by default)',
  request: {
    query: z
      .object({
        municipality: MunicipalityIdSchema.optional().openapi({
          description: 'Required unless the token is a municipality admin’s',
        }),
        limit: pageLimit(100),
        cursor: PageCursorSchema.optional(),
      })
      .strict(),
  },
  responses: {
    200: jsonResponse(
      'A page; nextCursor is absent on the last',
      z.object({ entries: z.array(EntryViewSchema), nextCursor: z.string().optional() }),
    ),
    ...errors(400, 401, 403),
  },
});

const read = createRoute({
  method: 'get',
  path: '/entries/{id}',
  tags: ['Directory'],
  summary: 'One entry, with its version as ETag',
  request: { params: IdParams },
  responses: {
    200: { ...jsonResponse('The entry', EntryViewSchema), headers: ETagHeader },
    ...errors(400, 401, 403, 404),
  },
});

const create = createRoute({
  method: 'post',
  path: '/entries',
  tags: ['Directory'],
  summary:
    'Create an entry; its extension and numbers must not be any other entry’s in the region, nor another municipality’s',
  request: { body: { required: true, content: { 'application/json': { schema: EntryInputSchema } } } },
  responses: {
    201: { ...jsonResponse('Created', EntryViewSchema), headers: ETagHeader },
    ...errors(400, 401, 403, 409),
  },
});

const replace = createRoute({
  method: 'put',
  path: '/entries/{id}',
  tags: ['Directory'],
  summary: 'Replace the entry whole (it stays in its municipality)',
  request: {
    params: IdParams,
    headers: IfMatchHeaders,
    body: { required: true, content: { 'application/json': { schema: EntryInputSchema } } },
  },
  responses: {
    200: { ...jsonResponse('Replaced', EntryViewSchema), headers: ETagHeader },
    ...errors(400, 401, 403, 404, 409, 412, 428),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/entries/{id}',
  tags: ['Directory'],
  summary: 'Delete the entry (409 while an extension links to it)',
  request: { params: IdParams, headers: IfMatchHeaders },
  responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 403, 404, 409, 412, 428) },
});

const setAbsence = createRoute({
  method: 'put',
  path: '/entries/{id}/absence',
  tags: ['Directory'],
  summary: 'Set the hänvisning (reason, text, until when), whatever else changed meanwhile',
  request: {
    params: IdParams,
    body: { required: true, content: { 'application/json': { schema: absenceInputSchema.openapi('AbsenceInput') } } },
  },
  responses: {
    200: { ...jsonResponse('The entry with its hänvisning', EntryViewSchema), headers: ETagHeader },
    ...errors(400, 401, 403, 404),
  },
});

const clearAbsence = createRoute({
  method: 'delete',
  path: '/entries/{id}/absence',
  tags: ['Directory'],
  summary: 'Clear the hänvisning',
  request: { params: IdParams },
  responses: {
    200: { ...jsonResponse('The entry without hänvisning', EntryViewSchema), headers: ETagHeader },
    ...errors(400, 401, 403, 404),
  },
});

export function directoryRoutes(deps: { entries: DirectoryEntryStore; search: DirectorySearch }) {
  const { entries } = deps;

  /** The stored entry, or 404; a municipality admin's only if it is their municipality's (403 otherwise). */
  async function entryInScope(id: string, principal: AuthEnv['Variables']['principal']): Promise<DirectoryEntry> {
    const entry = await entries.get(id);
    if (!entry) throw entryNotFound(id);
    assertInScope(principal, entry.municipalityId);
    return entry;
  }

  const reader = apiRouter<AuthEnv>();
  reader.use(requirePermission('directory:read'));
  reader
    .openapi(search, (c) => {
      const { q, municipality, limit } = c.req.valid('query');
      const asked = municipality === undefined ? [] : [municipality].flat();
      const principal = c.get('principal');
      asked.forEach((id) => assertInScope(principal, id));
      const municipalities = principal.role === 'municipality-admin' ? [principal.municipalityId!] : asked;
      const hits = deps.search.search(q, { municipalities, limit });
      return c.json(
        {
          hits: hits.map((hit) => ({
            entry: entryView(hit.entry),
            score: hit.score,
            match: hit.match,
            absence: hit.absence,
          })),
        },
        200,
      );
    })
    .openapi(list, async (c) => {
      const { limit, cursor, ...query } = c.req.valid('query');
      const municipality = scopedMunicipality(c.get('principal'), query.municipality);
      if (!municipality)
        throw invalidFields([
          { field: 'query.municipality', problem: 'is required: entries are listed one municipality at a time' },
        ]);
      const page = await entries.list(municipality, { limit, ...(cursor ? { cursor } : {}) });
      return c.json(
        { entries: page.entries.map(entryView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
        200,
      );
    })
    .openapi(read, async (c) => {
      const entry = await entryInScope(c.req.valid('param').id, c.get('principal'));
      c.header('ETag', etag(entry.version));
      return c.json(entryView(entry), 200);
    });

  const absence = apiRouter<AuthEnv>();
  absence.use(requirePermission('absence:write'));
  absence
    .openapi(setAbsence, async (c) => {
      const { id } = c.req.valid('param');
      await entryInScope(id, c.get('principal'));
      const entry = await entries.setAbsence(id, c.req.valid('json'), c.get('principal'));
      c.header('ETag', etag(entry.version));
      return c.json(entryView(entry), 200);
    })
    .openapi(clearAbsence, async (c) => {
      const { id } = c.req.valid('param');
      await entryInScope(id, c.get('principal'));
      const entry = await entries.setAbsence(id, null, c.get('principal'));
      c.header('ETag', etag(entry.version));
      return c.json(entryView(entry), 200);
    });

  const writer = apiRouter<AuthEnv>();
  writer.use(requirePermission('admin:write'));
  writer
    .openapi(create, async (c) => {
      const input = c.req.valid('json');
      assertInScope(c.get('principal'), input.municipalityId);
      const entry = await entries.create(input, c.get('principal'));
      c.header('ETag', etag(entry.version));
      c.header('Location', `${c.req.path.replace(/\/$/, '')}/${entry.id}`);
      return c.json(entryView(entry), 201);
    })
    .openapi(replace, async (c) => {
      const { id } = c.req.valid('param');
      const version = basedOn(c.req.valid('header')['if-match']);
      await entryInScope(id, c.get('principal'));
      const entry = await entries.update(id, c.req.valid('json'), version, c.get('principal'));
      c.header('ETag', etag(entry.version));
      return c.json(entryView(entry), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      const version = basedOn(c.req.valid('header')['if-match']);
      await entryInScope(id, c.get('principal'));
      await entries.delete(id, version, c.get('principal'));
      return c.body(null, 204);
    });

  const csv = csvTransferRoutes('Directory', entryCsvTransfer(entries));

  // The CSV routes first: /entries/export would otherwise be read as the entry with the id "export".
  return apiRouter<AuthEnv>().route('/entries', csv).route('/', reader).route('/', absence).route('/', writer);
}
