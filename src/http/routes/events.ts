import { createRoute } from '@hono/zod-openapi';
import { type AuthEnv } from '../auth.js';
import { StreamPositionSchema } from '../../store/stream-id.js';
import { ErrorSchema, apiRouter, errors } from '../openapi.js';
import { z } from '../../validation/schema.js';

const events = createRoute({
  method: 'get',
  path: '/',
  tags: ['Events'],
  summary: 'Live call, queue and operator events: a WebSocket (events/event-socket.ts answers the upgrade)',
  description:
    'Connect with a WebSocket (`Upgrade: websocket`); the token as `Authorization: Bearer`, or `?access_token=` from a browser. ' +
    'Each message is one JSON event `{seq, type, at, municipalityId?, ...fields}` in sequence order (call.queued, call.offered, call.answered, ' +
    'call.requeued, call.ended, operator.state, ...). Operators, auditors and region admins get every event whole; a municipality admin ' +
    "gets only their municipality's call events, as bare facts `{seq, type, at, municipalityId}` (enough to re-read its figures), " +
    'and no operator events. ' +
    '`?since=<seq>` first sends what came after that event, then `{"type":"live","seq"}` and live events; `{"type":"reset","seq"}` first ' +
    'when what was missed is no longer kept: reload the state and go on from that seq. A bad token is refused with 401 before the upgrade. ' +
    'The server closes a socket with 4401 when its token is revoked (within a second) or expires (at its expiresAt): a new token is needed; ' +
    'with 4429 when the token already has 5 sockets open; with 1013 (try again later) when the switchboard has its maximum open (500) or the client ' +
    'is too far behind; with 1011 when reading the stream failed. After 1013 and 1011 reconnect with ?since=.',
  request: {
    query: z.object({
      since: StreamPositionSchema.optional().openapi({
        description: 'The seq of the last event received (or of `live`/`reset`)',
      }),
      access_token: z
        .string()
        .optional()
        .openapi({ description: 'The API token, for browsers (prefer the header elsewhere)' }),
    }),
  },
  responses: {
    426: { description: 'Asked without a WebSocket upgrade', content: { 'application/json': { schema: ErrorSchema } } },
    ...errors(400, 401),
  },
});

/**
 * GET /api/v1/events without an upgrade: says to use a WebSocket, and puts the endpoint in
 * the API document. The socket itself is served on the Node server (events/event-socket.ts),
 * before Hono sees the request.
 */
export function eventRoutes() {
  return apiRouter<AuthEnv>().openapi(events, (c) =>
    c.json(
      {
        error: {
          code: 'websocket_required',
          message: 'Connect to the event stream with a WebSocket (Upgrade: websocket)',
        },
      },
      426,
    ),
  );
}
