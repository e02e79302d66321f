import { createRoute } from '@hono/zod-openapi';
import { type GreetingStore, operatorGreeting } from '../../admin/greetings.js';
import type { CallRecord } from '../../calls/call-record.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import { type AnswerDeps, answerCall } from '../../operators/answer-call.js';
import { OPERATOR_STATES, type OperatorStore } from '../../operators/operator-store.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { CallViewSchema, callView } from '../call-view.js';
import { MunicipalityIdSchema, apiRouter, errors, jsonResponse, z } from '../openapi.js';
import { invalidFields } from '../validation.js';

const SessionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().openapi({ example: 'sip:anna@10.1.2.3:5060' }),
    municipalities: z.array(z.string()),
    state: z.enum(OPERATOR_STATES),
    callId: z.string().optional(),
    loggedInAt: z.number().openapi({ description: 'ms since epoch' }),
  })
  .openapi('OperatorSession');

const LoginSchema = z
  .object({
    phone: z
      .string()
      .trim()
      .max(256, 'is too long for the SIP address of a phone')
      .regex(/^sips?:[^@\s;]+@[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be the SIP address of your phone, like sip:anna@10.1.2.3:5060'),
    municipalities: z
      .array(MunicipalityIdSchema)
      .min(1, 'serve at least one municipality')
      .refine((ids) => new Set(ids).size === ids.length, 'lists a municipality twice'),
  })
  .strict()
  .openapi('OperatorLogin');

const AnsweredSchema = z
  .object({
    call: CallViewSchema.nullable(),
    greeting: z.string().optional().openapi({ description: 'What to say: the called municipality’s greeting (stored under /greetings, else the region config’s)' }),
    message: z.string().optional(),
  })
  .openapi('AnsweredCall');

const login = createRoute({
  method: 'post',
  path: '/session',
  tags: ['Operator'],
  summary: 'Log in as an operator: the phone to ring and the municipalities served',
  request: { body: { required: true, content: { 'application/json': { schema: LoginSchema } } } },
  responses: { 201: jsonResponse('Logged in', SessionSchema), ...errors(400, 401, 403, 409) },
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
const answerNext = createRoute({
  method: 'post',
  path: '/answer-next',
  tags: ['Operator'],
  summary: 'Take the longest-waiting call of the queues served; the operator’s phone rings',
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
export function operatorRoutes(deps: AnswerDeps & { operators: OperatorStore; directory: DirectoryStore; admin: { greetings: Pick<GreetingStore, 'get'> } }) {
  const answered = async (call: CallRecord | null) => {
    if (!call) return { call: null, message: 'No call is waiting in the queues you serve' };
    const municipality = await deps.directory.getMunicipality(call.municipalityId);
    return { call: callView(call, municipality?.name), greeting: await operatorGreeting(deps.admin.greetings, call.municipalityId, municipality?.greeting) };
  };

  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('calls:control'));
  return router
    .openapi(login, async (c) => {
      const body = c.req.valid('json');
      const known = new Set((await deps.directory.listMunicipalities()).map((m) => m.id));
      const unknown = body.municipalities.flatMap((id, index) => (known.has(id) ? [] : [{ field: `body.municipalities[${index}]`, problem: `${id} is not a member municipality` }]));
      if (unknown.length > 0) throw invalidFields(unknown);
      const principal = c.get('principal');
      const session = await deps.operators.login(principal.id, { name: principal.name, phone: body.phone, municipalities: body.municipalities });
      log.info({ operatorId: principal.id, phone: body.phone, municipalities: body.municipalities }, 'operator logged in');
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
      return c.body(null, 204);
    })
    .openapi(answerNext, async (c) => c.json(await answered(await answerCall(deps, c.get('principal').id)), 200))
    .openapi(answerPicked, async (c) => {
      const { callId } = c.req.valid('param');
      return c.json(await answered(await answerCall(deps, c.get('principal').id, callId)), 200);
    });
}
