import { createRoute } from '@hono/zod-openapi';
import { type GreetingStore, callGreeting } from '../../admin/greetings.js';
import { ServedMunicipalitySchema, type TokenAccounts } from '../../admin/operator-accounts.js';
import type { CallRecord } from '../../calls/call-record.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import { type AnswerDeps, answerCall } from '../../operators/answer-call.js';
import { OperatorPhoneSchema, type OperatorPhones, parseOperatorPhone } from '../../operators/operator-phone.js';
import { OPERATOR_STATES, type OperatorStore, PAUSE_REASONS } from '../../operators/operator-store.js';
import { browserPhoneOf } from '../../operators/browser-phone.js';
import { SoftphoneCredentialsSchema } from '../../media/softphone/softphone-credentials.js';
import type { Softphones } from '../../media/softphone/softphones.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { CallViewSchema, callView } from '../call-view.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, z } from '../../validation/schema.js';
import { invalidFields } from '../../validation/field-problems.js';
import { notAMember } from '../../admin/region-rules.js';

const municipalityOf = (served: string | { id: string }) => (typeof served === 'string' ? served : served.id);

const SessionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().openapi({ example: 'sip:anna@10.1.2.3:5060' }),
    municipalities: z.array(z.string()),
    served: z
      .array(z.object({ id: z.string(), weight: z.number() }))
      .openapi({ description: 'The municipalities served, each with its weight' }),
    state: z.enum(OPERATOR_STATES).openapi({
      description: 'wrap-up ends by itself at wrapUpUntil, or when the operator asks for a call or says ready',
    }),
    stateSince: z.number().openapi({ description: 'ms since epoch' }),
    callId: z.string().optional(),
    pauseReason: z.enum(PAUSE_REASONS).optional(),
    pauseNote: z.string().optional(),
    wrapUpUntil: z.number().optional().openapi({ description: 'ms since epoch' }),
    loggedInAt: z.number().openapi({ description: 'ms since epoch' }),
  })
  .openapi('OperatorSession');
export type OperatorSessionView = z.infer<typeof SessionSchema>;

const LoginSchema = z
  .object({
    phone: OperatorPhoneSchema.optional().openapi({
      description:
        'The phone to ring, the operator account’s when left out: sip:user@<IP address>[:port] on an operator phone network (OPERATOR_PHONE_NETWORKS), an extension of the region (e.g. 2403100), which must have a phone registered, or browser: the browser phone issued to this token (POST /operator/softphone)',
    }),
    municipalities: z
      .array(z.union([MunicipalityIdSchema, ServedMunicipalitySchema]))
      .min(1, 'serve at least one municipality')
      .refine((served) => new Set(served.map(municipalityOf)).size === served.length, 'lists a municipality twice')
      .optional()
      .openapi({
        description: 'Each `{id, weight}`, or a plain id for weight 1; the operator account’s when left out',
      }),
  })
  .strict()
  .openapi('OperatorLogin');

const PauseSchema = z
  .object({
    reason: z.enum(PAUSE_REASONS),
    note: z
      .string()
      .trim()
      .max(200, 'must be at most 200 characters')
      .optional()
      .openapi({ example: 'Möte till 10:30' }),
  })
  .strict()
  .openapi('OperatorPause');

const AnsweredSchema = z
  .object({
    call: CallViewSchema.nullable(),
    greeting: z.string().optional().openapi({
      description:
        'What to say: the called municipality’s greeting, or its call-back greeting for a call-back (stored under /greetings, else the region config’s)',
    }),
    message: z.string().optional(),
  })
  .openapi('AnsweredCall');
export type AnsweredCallView = z.infer<typeof AnsweredSchema>;

const login = createRoute({
  method: 'post',
  path: '/session',
  tags: ['Operator'],
  summary: 'Log in as an operator: the phone to ring and the municipalities served',
  description:
    'A phone outside the operator phone networks, a host name or an extension outside the region is a 400 naming body.phone; an extension with no phone registered right now is a 409 (phone_not_registered); browser without a browser phone issued to the token is a 409 (softphone_missing).',
  request: { body: { required: true, content: { 'application/json': { schema: LoginSchema } } } },
  responses: { 201: jsonResponse('Logged in', SessionSchema), ...errors(400, 401, 403, 409) },
});
const issueSoftphone = createRoute({
  method: 'post',
  path: '/softphone',
  tags: ['Operator'],
  summary: 'Credentials for the console’s own phone (WebRTC), short-lived',
  description:
    'A SIP user on the media node’s Asterisk for this token, with a random password, valid for 12 hours (deleted at logout). Asking again gives a new password for the same user. Keep the answer in memory only. Then log in with phone "browser".',
  responses: {
    201: jsonResponse('The browser phone’s credentials', SoftphoneCredentialsSchema),
    ...errors(401, 403, 503),
  },
});
const getSession = createRoute({
  method: 'get',
  path: '/session',
  tags: ['Operator'],
  summary: 'The signed-in operator’s session',
  responses: { 200: jsonResponse('The session', SessionSchema), ...errors(401, 403, 404) },
});
const logout = createRoute({
  method: 'delete',
  path: '/session',
  tags: ['Operator'],
  summary: 'Log out (refused during a call)',
  responses: { 204: { description: 'Logged out' }, ...errors(401, 403, 409) },
});
const pause = createRoute({
  method: 'post',
  path: '/pause',
  tags: ['Operator'],
  summary: 'Pause: take no calls until ready (refused during a call)',
  request: { body: { required: true, content: { 'application/json': { schema: PauseSchema } } } },
  responses: { 200: jsonResponse('Paused', SessionSchema), ...errors(400, 401, 403, 409) },
});
const ready = createRoute({
  method: 'post',
  path: '/ready',
  tags: ['Operator'],
  summary: 'Ready for calls: ends a pause, or the wrap-up after a call before its time',
  responses: { 200: jsonResponse('Available', SessionSchema), ...errors(401, 403, 409) },
});
const answerNext = createRoute({
  method: 'post',
  path: '/answer-next',
  tags: ['Operator'],
  summary:
    'Take the next call of the queues served (longest wait × weight + priority boost); ends a wrap-up; the operator’s phone rings',
  responses: { 200: jsonResponse('The call taken, or none waiting', AnsweredSchema), ...errors(401, 403, 409, 503) },
});
const answerPicked = createRoute({
  method: 'post',
  path: '/calls/{callId}/answer',
  tags: ['Operator'],
  summary: 'Take one particular waiting call',
  request: { params: z.object({ callId: z.string().min(1).max(100) }) },
  responses: { 200: jsonResponse('The call taken', AnsweredSchema), ...errors(400, 401, 403, 404, 409, 503) },
});

/**
 * The signed-in operator's own session and actions. The operator is the token's holder:
 * one token, one operator, so nobody can answer in someone else's name.
 */
export function operatorRoutes(
  deps: AnswerDeps & {
    operators: OperatorStore;
    directory: DirectoryStore;
    admin: { greetings: Pick<GreetingStore, 'get'> };
    tokenAccounts: Pick<TokenAccounts, 'linked' | 'remember'>;
    phones: Pick<OperatorPhones, 'problem' | 'ringUri'>;
    softphones: Pick<Softphones, 'issue' | 'current' | 'revoke'>;
  },
) {
  /**
   * `browser` becomes the browser phone issued to the token, which is what Asterisk dials, on
   * the media node it lives on: the only node that can ring it (claim-1.lua).
   */
  async function resolveBrowserPhone(
    phone: string,
    operatorId: string,
  ): Promise<{ phone: string; phoneNode?: string }> {
    const parsed = parseOperatorPhone(phone);
    if (!('kind' in parsed) || parsed.kind !== 'browser') return { phone };
    const softphone = await deps.softphones.current(operatorId);
    if (!softphone)
      throw new AppError(409, 'softphone_missing', 'This token has no browser phone: ask for one first', [
        { field: 'body.phone', problem: 'browser needs a browser phone: POST /api/v1/operator/softphone, then log in' },
      ]);
    return { phone: browserPhoneOf(softphone.endpoint), phoneNode: softphone.mediaNode };
  }

  /** What login leaves out comes from the operator account linked to the token (admin/operator-accounts.ts). */
  async function withAccountDefaults(body: z.output<typeof LoginSchema>, tokenId: string) {
    const { phone, municipalities } = body;
    // Read at every login, even when the body says everything: statistics remember it (below).
    const linked = await deps.tokenAccounts.linked(tokenId);
    const account = linked?.doc;
    if (phone !== undefined && municipalities !== undefined) return { phone, municipalities, accountId: linked?.id };
    const missing = [
      (phone ?? account?.phone) ? [] : ['body.phone'],
      (municipalities ?? account?.municipalities) ? [] : ['body.municipalities'],
    ].flat();
    if (missing.length > 0) {
      throw invalidFields(
        missing.map((field) => ({
          field,
          problem: `is required: ${account ? 'the operator account linked to this token has none' : 'no operator account is linked to this token'}`,
        })),
      );
    }
    return {
      phone: (phone ?? account!.phone)!,
      municipalities: (municipalities ?? account!.municipalities)!,
      accountId: linked?.id,
    };
  }

  /** An extension as phone must have one registered now, or the first call would find nothing to ring. */
  async function assertRegistered(phone: string): Promise<void> {
    const parsed = parseOperatorPhone(phone);
    if (!('kind' in parsed) || parsed.kind !== 'extension') return;
    await deps.phones.ringUri(phone).catch((error: unknown) => {
      if (!(error instanceof AppError && error.code === 'phone_not_registered')) throw error;
      throw new AppError(409, error.code, error.message, [
        { field: 'body.phone', problem: `${phone} has no phone registered right now: register the phone, then log in` },
      ]);
    });
  }

  const answered = async (call: CallRecord | null) => {
    if (!call) return { call: null, message: 'No call is waiting in the queues you serve' };
    const municipality = await deps.directory.getMunicipality(call.municipalityId);
    return {
      call: callView(call, municipality?.name),
      greeting: await callGreeting(deps.admin.greetings, deps.directory, call),
    };
  };

  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('calls:control'));
  return router
    .openapi(login, async (c) => {
      const principal = c.get('principal');
      const body = await withAccountDefaults(c.req.valid('json'), principal.id);
      const known = new Set((await deps.directory.listMunicipalities()).map((m) => m.id));
      const unknown = body.municipalities.flatMap((served, index) => {
        const id = municipalityOf(served);
        return known.has(id)
          ? []
          : [
              {
                field: `body.municipalities[${index}]${typeof served === 'string' ? '' : '.id'}`,
                problem: notAMember(id),
              },
            ];
      });
      // An account's phone was checked when saved, but the networks may have changed since.
      const phoneProblem = deps.phones.problem(body.phone);
      if (unknown.length > 0 || phoneProblem)
        throw invalidFields([...(phoneProblem ? [{ field: 'body.phone', problem: phoneProblem }] : []), ...unknown]);
      await assertRegistered(body.phone);
      const session = await deps.operators.login(principal.id, {
        name: principal.name,
        ...(await resolveBrowserPhone(body.phone, principal.id)),
        municipalities: body.municipalities,
      });
      if (body.accountId) await deps.tokenAccounts.remember(principal.id, body.accountId);
      log.info(
        { operatorId: principal.id, phone: body.phone, municipalities: body.municipalities },
        'operator logged in',
      );
      return c.json(session, 201);
    })
    .openapi(getSession, async (c) => {
      const session = await deps.operators.get(c.get('principal').id);
      if (!session) throw new AppError(404, 'operator_not_logged_in', 'You are not logged in as an operator');
      return c.json(session, 200);
    })
    .openapi(logout, async (c) => {
      const operatorId = c.get('principal').id;
      await deps.operators.logout(operatorId);
      log.info({ operatorId }, 'operator logged out');
      // Logged out, the browser phone is done with; if Asterisk cannot be asked now, the sweep deletes it at expiry.
      await deps.softphones.revoke(operatorId).catch((error: unknown) => {
        log.warn({ operatorId, err: error }, 'could not delete the browser phone at logout; it is deleted at expiry');
      });
      return c.body(null, 204);
    })
    .openapi(issueSoftphone, async (c) => {
      const credentials = await deps.softphones.issue(c.get('principal').id);
      c.header('cache-control', 'no-store');
      return c.json(credentials, 201);
    })
    .openapi(pause, async (c) => {
      const operatorId = c.get('principal').id;
      const { reason, note } = c.req.valid('json');
      const session = await deps.operators.pause(operatorId, reason, note);
      log.info({ operatorId, reason }, 'operator paused');
      return c.json(session, 200);
    })
    .openapi(ready, async (c) => {
      const operatorId = c.get('principal').id;
      const session = await deps.operators.ready(operatorId);
      log.info({ operatorId }, 'operator ready');
      return c.json(session, 200);
    })
    .openapi(answerNext, async (c) => c.json(await answered(await answerCall(deps, c.get('principal').id)), 200))
    .openapi(answerPicked, async (c) => {
      const { callId } = c.req.valid('param');
      return c.json(await answered(await answerCall(deps, c.get('principal').id, callId)), 200);
    });
}
