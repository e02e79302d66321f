import { Hono } from 'hono';
import { z } from 'zod';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import type { CallQueue } from '../../queue/call-queue.js';
import { type AuthEnv, requireRole } from '../auth.js';
import { callView } from '../call-view.js';
import { parseRequest } from '../validation.js';

const listQuery = z
  .object({
    municipality: z.string().regex(/^\d{4}$/, 'must be a four-digit SCB kommunkod').optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(500).default(50),
  })
  .strict();

const callParam = z.object({ callId: z.string().min(1).max(100) });

/** Call records: what happened to each call, newest first. */
export function callRoutes(deps: { queue: CallQueue; directory: DirectoryStore }) {
  const names = async () => new Map((await deps.directory.listMunicipalities()).map((m) => [m.id, m.name]));
  return new Hono<AuthEnv>()
    .use(requireRole('operator'))
    .get('/', async (c) => {
      const query = parseRequest(listQuery, c.req.query(), 'query');
      const [records, byId] = await Promise.all([deps.queue.listRecords({ municipalityId: query.municipality, limit: query.limit }), names()]);
      return c.json({ calls: records.map((r) => callView(r, byId.get(r.municipalityId))) });
    })
    .get('/:callId', async (c) => {
      const { callId } = parseRequest(callParam, c.req.param(), 'path');
      const call = await deps.queue.get(callId);
      if (!call) throw new AppError(404, 'call_not_found', `No call has the id ${callId}`);
      const municipality = await deps.directory.getMunicipality(call.municipalityId);
      return c.json(callView(call, municipality?.name));
    });
}
