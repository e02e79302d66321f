import { createRoute } from '@hono/zod-openapi';
import { assertInScope, scopedMunicipality } from '../../auth/access.js';
import { OBJECT_ID, type Patch, type VersionedStore, type Versioned } from '../../admin/versioned-store.js';
import { AppError } from '../../errors.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { ETagHeader, IfMatchHeaders, basedOn, etag } from '../etag.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, PageCursorSchema, pageLimit, z } from '../../validation/schema.js';

/**
 * The HTTP face of a versioned admin resource (admin/versioned-store.ts): list, create, read,
 * change and delete, the same for every kind of object. Reading needs directory:read (operators
 * too: nothing secret is ever in a view), writing admin:write; a municipality admin reads and
 * changes only their own municipality's objects. GET answers an ETag ("<version>"); PATCH and
 * DELETE must send it back as If-Match: without it 428, with an older one 412.
 */
export interface AdminResourceOptions<Doc extends { municipalityId: string }, Input, View> {
  /** The list's property, e.g. "extensions"; capitalised, the tag in the OpenAPI document. */
  plural: string;
  store: Pick<VersionedStore<Doc, Input>, 'type' | 'get' | 'create' | 'update' | 'remove' | 'list'>;
  /** The view is the document with its id and version (see viewSchema), and these fields for people (numbers in national format). */
  shown?(doc: Doc): Record<string, string>;
  schemas: { view: z.ZodType<View>; create: z.ZodType<Input>; change: z.ZodType<Patch<Input>> };
}

/** The schema of an object as the API shows it: its id and version, then `fields`. */
export function viewSchema<S extends z.ZodRawShape>(name: string, fields: S) {
  return z
    .object({
      id: z.string().openapi({ example: '3f2c0a9b1d4e5f60' }),
      version: z.number().int().openapi({ description: 'Raised by every change; the ETag is this number in quotes' }),
      ...fields,
    })
    .openapi(name);
}

const IdParams = z.object({
  id: z.string().regex(OBJECT_ID, 'must be an id as the API gave it (16 hex digits, or a kommunkod)'),
});

export function adminResourceRoutes<Doc extends { municipalityId: string }, Input, View>(
  options: AdminResourceOptions<Doc, Input, View>,
) {
  const { plural, store, shown, schemas } = options;
  // The schema describes the answer; the document, stored through the same fields, fits it.
  const view = ({ id, version, doc }: Versioned<Doc>) => ({ id, version, ...doc, ...shown?.(doc) }) as View;
  const type = store.type;
  const tag = plural[0]!.toUpperCase() + plural.slice(1);
  const ListSchema = z.object({ [plural]: z.array(schemas.view), nextCursor: z.string().optional() });

  const list = createRoute({
    method: 'get',
    path: '/',
    tags: [tag],
    summary: `The ${plural}, a page at a time; a municipality admin sees their municipality’s`,
    request: {
      query: z
        .object({
          municipality: MunicipalityIdSchema.optional(),
          limit: pageLimit(50),
          cursor: PageCursorSchema.optional(),
        })
        .strict(),
    },
    responses: {
      200: jsonResponse(`A page of ${plural}; nextCursor is absent on the last`, ListSchema),
      ...errors(400, 401, 403),
    },
  });
  const create = createRoute({
    method: 'post',
    path: '/',
    tags: [tag],
    summary: `Create a new ${type}`,
    request: { body: { required: true, content: { 'application/json': { schema: schemas.create } } } },
    responses: {
      201: { ...jsonResponse('Created', schemas.view), headers: ETagHeader },
      ...errors(400, 401, 403, 409),
    },
  });
  const read = createRoute({
    method: 'get',
    path: '/{id}',
    tags: [tag],
    summary: `One ${type}, with its version as ETag`,
    request: { params: IdParams },
    responses: {
      200: { ...jsonResponse(`The ${type}`, schemas.view), headers: ETagHeader },
      ...errors(400, 401, 403, 404),
    },
  });
  const change = createRoute({
    method: 'patch',
    path: '/{id}',
    tags: [tag],
    summary: `Change the ${type}: the fields given replace the stored ones, null removes an optional one`,
    request: {
      params: IdParams,
      headers: IfMatchHeaders,
      body: { required: true, content: { 'application/json': { schema: schemas.change } } },
    },
    responses: {
      200: { ...jsonResponse('Changed', schemas.view), headers: ETagHeader },
      ...errors(400, 401, 403, 404, 409, 412, 428),
    },
  });
  const remove = createRoute({
    method: 'delete',
    path: '/{id}',
    tags: [tag],
    summary: `Delete the ${type}`,
    request: { params: IdParams, headers: IfMatchHeaders },
    responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 403, 404, 409, 412, 428) },
  });

  const reader = apiRouter<AuthEnv>();
  reader.use(requirePermission('directory:read'));
  reader
    .openapi(list, async (c) => {
      const { municipality, limit, cursor } = c.req.valid('query');
      const page = await store.list({
        municipalityId: scopedMunicipality(c.get('principal'), municipality),
        limit,
        cursor,
      });
      return c.json(
        { [plural]: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
        200,
      );
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const item = await store.get(id);
      if (!item) throw new AppError(404, `${type}_not_found`, `No ${type} has the id ${id}`);
      assertInScope(c.get('principal'), item.doc.municipalityId);
      c.header('ETag', etag(item.version));
      return c.json(view(item), 200);
    });

  const writer = apiRouter<AuthEnv>();
  writer.use(requirePermission('admin:write'));
  writer
    .openapi(create, async (c) => {
      const item = await store.create(c.req.valid('json'), c.get('principal'));
      c.header('ETag', etag(item.version));
      c.header('Location', `${c.req.path.replace(/\/$/, '')}/${item.id}`);
      return c.json(view(item), 201);
    })
    .openapi(change, async (c) => {
      const item = await store.update(
        c.req.valid('param').id,
        basedOn(c.req.valid('header')['if-match']),
        c.req.valid('json'),
        c.get('principal'),
      );
      c.header('ETag', etag(item.version));
      return c.json(view(item), 200);
    })
    .openapi(remove, async (c) => {
      await store.remove(c.req.valid('param').id, basedOn(c.req.valid('header')['if-match']), c.get('principal'));
      return c.body(null, 204);
    });

  return apiRouter<AuthEnv>().route('/', reader).route('/', writer);
}
