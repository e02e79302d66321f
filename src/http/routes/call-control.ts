import { createRoute } from '@hono/zod-openapi';
import { type GreetingStore, callGreeting } from '../../admin/greetings.js';
import { CALL_CONTROL_STATES, type CallRecord, TRANSFER_MODES, TRANSFER_OUTCOMES } from '../../calls/call-record.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import type { CallControl } from '../../media/call-control/call-control.js';
import type { ControlStore } from '../../media/call-control/control-store.js';
import { phoneNumber } from '../../config/region-schema.js';
import type { CallQueue } from '../../queue/call-queue.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { CallViewSchema, callView } from '../call-view.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, z } from '../../validation/schema.js';
import { notAMember } from '../../admin/region-rules.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A call as the API shows it, with what call control did to it. */
export const ControlledCallSchema = CallViewSchema.extend({
  control: z
    .enum(CALL_CONTROL_STATES)
    .optional()
    .openapi({ description: 'held, transferring, consulting, consulted, transferred or parked; absent: plain talk' }),
  transferTarget: z.string().optional(),
  transferMode: z.enum(TRANSFER_MODES).optional(),
  transferOutcome: z.enum(TRANSFER_OUTCOMES).optional(),
  recallFrom: z
    .string()
    .optional()
    .openapi({ description: 'The target of a blind transfer that was not answered and came back' }),
  parkedAt: z.string().optional(),
  parkedBy: z.string().optional(),
  callbackId: z.string().optional().openapi({ description: 'The call-back booked on this call' }),
  kind: z
    .literal('callback')
    .optional()
    .openapi({ description: 'A booked call-back: dialled out when an operator takes it' }),
  callbackOf: z.string().optional(),
}).openapi('ControlledCall');
export type ControlledCallView = z.infer<typeof ControlledCallSchema>;

export async function controlledCallView(call: CallRecord, directory: DirectoryStore) {
  const municipality = await directory.getMunicipality(call.municipalityId);
  return {
    ...callView(call, municipality?.name),
    control: call.control,
    transferTarget: call.transferTarget,
    transferMode: call.transferMode,
    transferOutcome: call.transferOutcome,
    recallFrom: call.recallFrom,
    parkedAt: iso(call.parkedAt),
    parkedBy: call.parkedBy,
    callbackId: call.callbackId,
    kind: call.kind,
    callbackOf: call.callbackOf,
  };
}

export const CallIdParams = z.object({ callId: z.string().min(1).max(100) });

const TransferSchema = z
  .object({
    extension: z
      .string()
      .regex(/^\d{2,8}$/, 'must be an extension number of 2 to 8 digits')
      .optional(),
    number: phoneNumber.optional().openapi({
      type: 'string',
      example: '070-123 45 67',
      description: 'An external number, dialled out through the carrier',
    }),
    mode: z.enum(TRANSFER_MODES).default('blind').openapi({
      description:
        'blind: the operator is released at once; attended: the operator talks to the target first, then completes or cancels',
    }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.extension === undefined) === (body.number === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['extension'], message: 'give either extension or number (one of them)' });
    }
  })
  .openapi('Transfer');

const action = <P extends string>(path: P, summary: string) =>
  createRoute({
    method: 'post',
    path,
    tags: ['Call control'],
    summary,
    request: { params: CallIdParams },
    responses: {
      200: jsonResponse('The call after the action', ControlledCallSchema),
      ...errors(400, 401, 403, 404, 409, 503),
    },
  });

const hold = action('/{callId}/hold', 'Put the caller on hold: they hear music, the operator hears nothing of them');
const unhold = action('/{callId}/unhold', 'Take the caller off hold, back to the operator');
const transfer = createRoute({
  method: 'post',
  path: '/{callId}/transfer',
  tags: ['Call control'],
  summary: 'Transfer the call to an extension or an external number (blind or attended)',
  description:
    'Blind: the caller hears music and the operator is released at once; unanswered within the recall time, the call comes back to the operator (or to the queue at its place). Attended: the caller is held while the operator talks to the target; then complete or cancel. An external number must be one the call’s municipality’s dial policy allows for transfers (/dial-policies): otherwise 403 dialling_denied naming body.number and the number’s class, and nothing changes.',
  request: {
    params: CallIdParams,
    body: { required: true, content: { 'application/json': { schema: TransferSchema } } },
  },
  responses: {
    200: jsonResponse('The call, transferring', ControlledCallSchema),
    ...errors(400, 401, 403, 404, 409, 503),
  },
});
const complete = action(
  '/{callId}/transfer/complete',
  'Attended transfer: bridge caller and target, release the operator',
);
const cancel = action('/{callId}/transfer/cancel', 'Attended transfer: hang up the target, back to the caller');
const park = action(
  '/{callId}/park',
  'Park the call in its municipality’s park (caller on music); the operator is released',
);
const retrieve = action(
  '/{callId}/retrieve',
  'Take a parked call (any operator serving its municipality): the phone rings, then the call is bridged',
);
const hangup = action('/{callId}/hangup', 'End the call');

const getControl = createRoute({
  method: 'get',
  path: '/{callId}/control',
  tags: ['Call control'],
  summary: 'A call with what call control did to it: hold, transfer (target, outcome), recall, park, call-back',
  request: { params: CallIdParams },
  responses: {
    200: jsonResponse(
      'The call',
      ControlledCallSchema.extend({
        greeting: z.string().optional().openapi({
          description:
            'What to say: the called municipality’s greeting (call-back greeting for a call-back), as the answer gave it',
        }),
      }),
    ),
    ...errors(400, 401, 403, 404),
  },
});

const listParked = createRoute({
  method: 'get',
  path: '/{municipalityId}',
  tags: ['Call control'],
  summary: 'The calls parked in a municipality’s park, longest parked first',
  request: { params: z.object({ municipalityId: MunicipalityIdSchema }) },
  responses: {
    200: jsonResponse(
      'Parked calls',
      z.object({ calls: z.array(ControlledCallSchema.extend({ parkedSeconds: z.number() })) }),
    ),
    ...errors(400, 401, 403, 404),
  },
});

/**
 * Call control by the operator who has the call (the token's holder), under /calls/{callId}/…:
 * every action is checked and made in one Lua script (409 when the call's state does not allow
 * it, 403 when it is someone else's), then Asterisk follows (media/call-control/).
 */
export function callControlRoutes(deps: {
  callControl: Pick<
    CallControl,
    'hold' | 'unhold' | 'transfer' | 'completeTransfer' | 'cancelTransfer' | 'park' | 'retrieve' | 'hangUpCall'
  >;
  directory: DirectoryStore;
  queue: Pick<CallQueue, 'get'>;
  greetings: Pick<GreetingStore, 'get'>;
}) {
  const { callControl, directory } = deps;
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('calls:control'));
  const view = async (call: CallRecord) => controlledCallView(call, directory);
  return router
    .openapi(getControl, async (c) => {
      const { callId } = c.req.valid('param');
      const call = await deps.queue.get(callId);
      if (!call) throw new AppError(404, 'call_not_found', `No call has the id ${callId}`);
      // The greeting too, so a console reloaded mid-call still shows what to say.
      return c.json({ ...(await view(call)), greeting: await callGreeting(deps.greetings, directory, call) }, 200);
    })
    .openapi(hold, async (c) =>
      c.json(await view(await callControl.hold(c.req.valid('param').callId, c.get('principal').id)), 200),
    )
    .openapi(unhold, async (c) =>
      c.json(await view(await callControl.unhold(c.req.valid('param').callId, c.get('principal').id)), 200),
    )
    .openapi(transfer, async (c) => {
      const body = c.req.valid('json');
      const target =
        body.extension !== undefined
          ? { kind: 'extension' as const, value: body.extension }
          : { kind: 'external' as const, value: body.number! };
      return c.json(
        await view(await callControl.transfer(c.req.valid('param').callId, c.get('principal').id, target, body.mode)),
        200,
      );
    })
    .openapi(complete, async (c) =>
      c.json(await view(await callControl.completeTransfer(c.req.valid('param').callId, c.get('principal').id)), 200),
    )
    .openapi(cancel, async (c) =>
      c.json(await view(await callControl.cancelTransfer(c.req.valid('param').callId, c.get('principal').id)), 200),
    )
    .openapi(park, async (c) =>
      c.json(await view(await callControl.park(c.req.valid('param').callId, c.get('principal').id)), 200),
    )
    .openapi(retrieve, async (c) =>
      c.json(await view(await callControl.retrieve(c.req.valid('param').callId, c.get('principal').id)), 200),
    )
    .openapi(hangup, async (c) =>
      c.json(await view(await callControl.hangUpCall(c.req.valid('param').callId, c.get('principal').id)), 200),
    );
}

/** GET /parks/{municipalityId}: what waits in a municipality's park. */
export function parkRoutes(deps: { control: ControlStore; directory: DirectoryStore }) {
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('calls:read'));
  return router.openapi(listParked, async (c) => {
    const { municipalityId } = c.req.valid('param');
    if (!(await deps.directory.getMunicipality(municipalityId)))
      throw new AppError(404, 'municipality_not_found', notAMember(municipalityId));
    const parked = await deps.control.listParked(municipalityId);
    const calls = await Promise.all(
      parked.map(async ({ call, parkedMs }) => ({
        ...(await controlledCallView(call, deps.directory)),
        parkedSeconds: parkedMs / 1000,
      })),
    );
    return c.json({ calls }, 200);
  });
}
