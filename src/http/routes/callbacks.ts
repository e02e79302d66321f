import { createRoute } from '@hono/zod-openapi';
import type { CallbackStore } from '../../calls/callbacks/callback-store.js';
import { phoneNumber } from '../../config/region-schema.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { log } from '../../log.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { apiRouter, errors, jsonResponse, z } from '../openapi.js';
import { CallIdParams, ControlledCallSchema, controlledCallView } from './call-control.js';

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with offset, like 2026-11-27T13:00:00+01:00' });

const BookingSchema = z
  .object({
    number: phoneNumber.optional().openapi({ type: 'string', example: '070-123 45 67', description: 'Number to call back; the caller’s number when left out' }),
    from: instant.optional().openapi({ description: 'Start of the wished window; now when left out' }),
    to: instant.optional().openapi({ description: 'End of the wished window (shown to the operator)' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.from && body.to && Date.parse(body.to) <= Date.parse(body.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (body.to && Date.parse(body.to) <= Date.now()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'is already past' });
  })
  .openapi('CallbackBooking');

const book = createRoute({
  method: 'post',
  path: '/{callId}/callback',
  tags: ['Call control'],
  summary: 'Book a call-back on a waiting or answered call; it keeps the call’s place in the queue',
  description:
    'The call-back ("<callId>-cb") takes the call’s original place in its municipality’s queue (from the window’s start); an operator takes it like any call, their phone rings, then the citizen is dialled out. A waiting call ends (callback-booked) and its caller is released.',
  request: { params: CallIdParams, body: { required: true, content: { 'application/json': { schema: BookingSchema } } } },
  responses: {
    201: jsonResponse('The call-back booked (state waiting, or scheduled until the window begins) and the call', z.object({ callback: ControlledCallSchema, call: ControlledCallSchema })),
    ...errors(400, 401, 403, 404, 409),
  },
});

export function callbackRoutes(deps: { callbacks: CallbackStore; directory: DirectoryStore; releaseCaller: (callId: string) => Promise<void> }) {
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('calls:control'));
  return router.openapi(book, async (c) => {
    const { callId } = c.req.valid('param');
    const body = c.req.valid('json');
    const { callback, call } = await deps.callbacks.book({
      callId,
      operatorId: c.get('principal').id,
      number: body.number,
      windowFrom: body.from ? Date.parse(body.from) : undefined,
      windowTo: body.to ? Date.parse(body.to) : undefined,
    });
    log.info({ callId, callbackId: callback.callId, state: callback.state, windowFrom: callback.windowFrom }, 'call-back booked');
    if (call.outcome === 'callback-booked') await deps.releaseCaller(callId);
    return c.json({ callback: await controlledCallView(callback, deps.directory), call: await controlledCallView(call, deps.directory) }, 201);
  });
}
