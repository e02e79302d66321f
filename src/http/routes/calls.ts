import { createRoute } from '@hono/zod-openapi';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import type { CallQueue } from '../../queue/call-queue.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { CallViewSchema, callView } from '../call-view.js';
import { apiRouter, errors } from '../openapi.js';
import { MunicipalityIdSchema, pageLimit, z } from '../../validation/schema.js';

const listCalls = createRoute({
  method: 'get',
  path: '/',
  tags: ['Calls'],
  summary: 'Call records, newest first',
  request: {
    query: z
      .object({
        municipality: MunicipalityIdSchema.optional(),
        limit: pageLimit(50),
      })
      .strict(),
  },
  responses: {
    200: {
      description: 'Records',
      content: { 'application/json': { schema: z.object({ calls: z.array(CallViewSchema) }) } },
    },
    ...errors(400, 401, 403),
  },
});

const getCall = createRoute({
  method: 'get',
  path: '/{callId}',
  tags: ['Calls'],
  summary: 'What happened to one call',
  request: { params: z.object({ callId: z.string().min(1).max(100) }) },
  responses: {
    200: { description: 'The record', content: { 'application/json': { schema: CallViewSchema } } },
    ...errors(400, 401, 403, 404),
  },
});

export function callRoutes(deps: { queue: CallQueue; directory: DirectoryStore }) {
  const names = async () => new Map((await deps.directory.listMunicipalities()).map((m) => [m.id, m.name]));
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('calls:read'));
  return router
    .openapi(listCalls, async (c) => {
      const query = c.req.valid('query');
      const [records, byId] = await Promise.all([
        deps.queue.listRecords({ municipalityId: query.municipality, limit: query.limit }),
        names(),
      ]);
      return c.json({ calls: records.map((r) => callView(r, byId.get(r.municipalityId))) }, 200);
    })
    .openapi(getCall, async (c) => {
      const { callId } = c.req.valid('param');
      const call = await deps.queue.get(callId);
      if (!call) throw new AppError(404, 'call_not_found', `No call has the id ${callId}`);
      const municipality = await deps.directory.getMunicipality(call.municipalityId);
      return c.json(callView(call, municipality?.name), 200);
    });
}
