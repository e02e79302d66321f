import { createRoute } from '@hono/zod-openapi';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import type { CallQueue } from '../../queue/call-queue.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { CallViewSchema, callView } from '../call-view.js';
import { apiRouter, errors } from '../openapi.js';
import { MunicipalityIdSchema, z } from '../../validation/schema.js';

const QueueSchema = z
  .object({
    municipality: z.object({ id: z.string(), name: z.string() }),
    waitingCount: z.number().int(),
    longestWaitSeconds: z.number(),
    calls: z.array(
      CallViewSchema.extend({
        position: z.number().int().openapi({ description: '1 = answered next' }),
        waitingSeconds: z.number(),
      }),
    ),
  })
  .openapi('Queue');
/** A queue as the API shows it (the web console reads it too). */
export type QueueView = z.infer<typeof QueueSchema>;

const listQueues = createRoute({
  method: 'get',
  path: '/',
  tags: ['Queues'],
  summary: 'Every municipality’s waiting calls, in the order they will be answered',
  responses: {
    200: {
      description: 'The queues',
      content: { 'application/json': { schema: z.object({ queues: z.array(QueueSchema) }) } },
    },
    ...errors(401, 403),
  },
});

const getQueue = createRoute({
  method: 'get',
  path: '/{municipalityId}',
  tags: ['Queues'],
  summary: 'One municipality’s waiting calls',
  request: { params: z.object({ municipalityId: MunicipalityIdSchema }) },
  responses: {
    200: { description: 'The queue', content: { 'application/json': { schema: QueueSchema } } },
    ...errors(400, 401, 403, 404),
  },
});

export function queueRoutes(deps: { queue: CallQueue; directory: DirectoryStore }) {
  async function queueOf(municipality: { id: string; name: string }) {
    const waiting = await deps.queue.listWaiting(municipality.id);
    return {
      municipality: { id: municipality.id, name: municipality.name },
      waitingCount: waiting.length,
      longestWaitSeconds: waiting.length > 0 ? Math.max(...waiting.map((w) => w.waitingMs)) / 1000 : 0,
      calls: waiting.map((w) => ({
        ...callView(w.record, municipality.name),
        position: w.position,
        waitingSeconds: w.waitingMs / 1000,
      })),
    };
  }

  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('calls:read'));
  return router
    .openapi(listQueues, async (c) => {
      const municipalities = await deps.directory.listMunicipalities();
      return c.json({ queues: await Promise.all(municipalities.map(queueOf)) }, 200);
    })
    .openapi(getQueue, async (c) => {
      const { municipalityId } = c.req.valid('param');
      const municipality = await deps.directory.getMunicipality(municipalityId);
      if (!municipality)
        throw new AppError(404, 'municipality_not_found', `No member municipality has the id ${municipalityId}`);
      return c.json(await queueOf(municipality), 200);
    });
}
