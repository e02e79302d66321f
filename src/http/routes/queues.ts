import { Hono } from 'hono';
import { z } from 'zod';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import type { CallQueue } from '../../queue/call-queue.js';
import { type AuthEnv, requireRole } from '../auth.js';
import { callView } from '../call-view.js';
import { parseRequest } from '../validation.js';

const municipalityParam = z.object({ municipalityId: z.string().regex(/^\d{4}$/, 'must be a four-digit SCB kommunkod') });

/** The waiting calls of each municipality, in the order they will be answered. */
export function queueRoutes(deps: { queue: CallQueue; directory: DirectoryStore }) {
  async function queueOf(municipality: { id: string; name: string }) {
    const waiting = await deps.queue.listWaiting(municipality.id);
    return {
      municipality: { id: municipality.id, name: municipality.name },
      waitingCount: waiting.length,
      longestWaitSeconds: waiting.length > 0 ? Math.max(...waiting.map((w) => w.waitingMs)) / 1000 : 0,
      calls: waiting.map((w) => ({ position: w.position, waitingSeconds: w.waitingMs / 1000, ...callView(w.record, municipality.name) })),
    };
  }

  return new Hono<AuthEnv>()
    .use(requireRole('operator'))
    .get('/', async (c) => {
      const municipalities = await deps.directory.listMunicipalities();
      return c.json({ queues: await Promise.all(municipalities.map(queueOf)) });
    })
    .get('/:municipalityId', async (c) => {
      const { municipalityId } = parseRequest(municipalityParam, c.req.param(), 'path');
      const municipality = await deps.directory.getMunicipality(municipalityId);
      if (!municipality) throw new AppError(404, 'municipality_not_found', `No member municipality has the id ${municipalityId}`);
      return c.json(await queueOf(municipality));
    });
}
