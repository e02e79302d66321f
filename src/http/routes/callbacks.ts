import { createRoute } from '@hono/zod-openapi';
import { assertInScope, assertPermission, scopedMunicipality } from '../../auth/access.js';
import type { CallbackStore } from '../../calls/callbacks/callback-store.js';
import { phoneNumber } from '../../config/region-schema.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { CallViewSchema, callView } from '../call-view.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, z } from '../../validation/schema.js';
import { CallIdParams, ControlledCallSchema, controlledCallView } from './call-control.js';
import { notAMember } from '../../admin/region-rules.js';

const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time with offset, like 2026-11-27T13:00:00+01:00',
});

const BookingSchema = z
  .object({
    number: phoneNumber.optional().openapi({
      type: 'string',
      example: '070-123 45 67',
      description: 'Number to call back; the caller’s number when left out',
    }),
    from: instant.optional().openapi({ description: 'Start of the wished window; now when left out' }),
    to: instant.optional().openapi({ description: 'End of the wished window (shown to the operator)' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.from && body.to && Date.parse(body.to) <= Date.parse(body.from))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (body.to && Date.parse(body.to) <= Date.now())
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'is already past' });
  })
  .openapi('CallbackBooking');

const book = createRoute({
  method: 'post',
  path: '/{callId}/callback',
  tags: ['Call control'],
  summary: 'Book a call-back on a waiting or answered call; it keeps the call’s place in the queue',
  description:
    'The call-back ("<callId>-cb") takes the call’s original place in its municipality’s queue (from the window’s start); an operator takes it like any call, their phone rings, then the citizen is dialled out. A waiting call ends (callback-booked) and its caller is released. The number (given, or the caller’s own) must be one the call’s municipality’s dial policy allows call-backs to dial (/dial-policies): otherwise 403 dialling_denied naming body.number and the number’s class, nothing booked. It is asked again when the citizen is dialled: refused then, the call-back ends as callback-denied.',
  request: {
    params: CallIdParams,
    body: { required: true, content: { 'application/json': { schema: BookingSchema } } },
  },
  responses: {
    201: jsonResponse(
      'The call-back booked (state waiting, or scheduled until the window begins) and the call',
      z.object({ callback: ControlledCallSchema, call: ControlledCallSchema }),
    ),
    ...errors(400, 401, 403, 404, 409),
  },
});

export function callbackRoutes(deps: {
  callbacks: CallbackStore;
  directory: DirectoryStore;
  releaseCaller: (callId: string) => Promise<void>;
}) {
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
      operatorName: c.get('principal').name,
    });
    log.info(
      { callId, callbackId: callback.callId, state: callback.state, windowFrom: callback.windowFrom },
      'call-back booked',
    );
    if (call.outcome === 'callback-booked') await deps.releaseCaller(callId);
    return c.json(
      {
        callback: await controlledCallView(callback, deps.directory),
        call: await controlledCallView(call, deps.directory),
      },
      201,
    );
  });
}

const listScheduled = createRoute({
  method: 'get',
  path: '/',
  tags: ['Call control'],
  summary: 'Booked call-backs whose wished window has not begun, soonest first',
  description:
    'They are in no queue until their window begins (then GET /queues shows them at their caller’s place). `caller`/`callerDisplay` is the number to call; `bookedBy` is absent for one the caller booked by pressing 1 in an overflowing queue. Events: call.callback-booked when one is booked, call.queued when its window begins.',
  request: {
    query: z
      .object({
        municipality: MunicipalityIdSchema.optional().openapi({ description: 'One municipality’s; all when left out' }),
      })
      .strict(),
  },
  responses: {
    200: jsonResponse('The booked call-backs', z.object({ callbacks: z.array(CallViewSchema) })),
    ...errors(400, 401, 403, 404),
  },
});

const cancel = createRoute({
  method: 'post',
  path: '/{callId}/cancel',
  tags: ['Call control'],
  summary: 'Cancel a booked call-back that is scheduled or waiting in its queue',
  description:
    'E.g. the citizen called again and was helped, or the booking was a mistake. The call-back (`callId` is its own id, "<callId>-cb") leaves the booked list or its queue and ends with outcome callback-cancelled; `cancelledBy` on the record names the operator. Refused (409) once it rings an operator’s phone (callback_offered), is answered (callback_answered) or has ended (callback_ended); cancelling one already cancelled gives it back unchanged. Needs calls:control, as booking does; an operator logged in to the switchboard may cancel only in the municipalities they serve (403 municipality_not_served). Event: call.ended with outcome callback-cancelled.',
  request: { params: CallIdParams },
  responses: { 200: jsonResponse('The call-back, ended', ControlledCallSchema), ...errors(401, 403, 404, 409) },
});

/**
 * GET /callbacks: the call-backs booked for later, which no queue shows yet. They are calls
 * (a citizen's number), so reading them is `calls:read`, as the queues and call records are.
 * POST /callbacks/{callId}/cancel: `calls:control`, as booking is.
 */
export function scheduledCallbackRoutes(deps: { callbacks: CallbackStore; directory: DirectoryStore }) {
  const router = apiRouter<AuthEnv>();
  return router
    .openapi(listScheduled, async (c) => {
      assertPermission(c.get('principal'), 'calls:read');
      // A no-op while municipality admins lack calls:read; keeps them to their own should that change.
      const municipalityId = scopedMunicipality(c.get('principal'), c.req.valid('query').municipality);
      const names = new Map((await deps.directory.listMunicipalities()).map((m) => [m.id, m.name]));
      if (municipalityId !== undefined && !names.has(municipalityId))
        throw new AppError(404, 'municipality_not_found', notAMember(municipalityId));
      const scheduled = await deps.callbacks.listScheduled(municipalityId);
      return c.json({ callbacks: scheduled.map((call) => callView(call, names.get(call.municipalityId))) }, 200);
    })
    .openapi(cancel, async (c) => {
      const principal = c.get('principal');
      assertPermission(principal, 'calls:control');
      const { callId } = c.req.valid('param');
      // A no-op while municipality admins lack calls:control; keeps them to their own should that change.
      const municipalityId = await deps.callbacks.municipalityOf(callId);
      if (municipalityId !== undefined) assertInScope(principal, municipalityId);
      const callback = await deps.callbacks.cancel(callId, principal.id);
      log.info({ callId, municipalityId: callback.municipalityId, cancelledBy: principal.id }, 'call-back cancelled');
      return c.json(await controlledCallView(callback, deps.directory), 200);
    });
}
