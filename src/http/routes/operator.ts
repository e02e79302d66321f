import { Hono } from 'hono';
import { z } from 'zod';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import { type AnswerDeps, answerCall } from '../../operators/answer-call.js';
import type { OperatorStore } from '../../operators/operator-store.js';
import { type AuthEnv, requireRole } from '../auth.js';
import { callView } from '../call-view.js';
import { parseRequest } from '../validation.js';

const loginBody = z
  .object({
    phone: z
      .string()
      .trim()
      .regex(/^sips?:[^@\s;]+@[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be the SIP address of your phone, like sip:anna@10.1.2.3:5060'),
    municipalities: z
      .array(z.string().regex(/^\d{4}$/, 'must be a four-digit SCB kommunkod'))
      .min(1, 'serve at least one municipality')
      .refine((ids) => new Set(ids).size === ids.length, 'lists a municipality twice'),
  })
  .strict();

const callParam = z.object({ callId: z.string().min(1).max(100) });

/**
 * The signed-in operator's own session and actions. The operator is the token's holder:
 * one token, one operator, so nobody can answer in someone else's name.
 */
export function operatorRoutes(deps: AnswerDeps & { operators: OperatorStore; directory: DirectoryStore }) {
  const answered = async (call: Awaited<ReturnType<typeof answerCall>>) => {
    if (!call) return { call: null, message: 'No call is waiting in the queues you serve' };
    const municipality = await deps.directory.getMunicipality(call.municipalityId);
    return { call: callView(call, municipality?.name), greeting: municipality?.greeting };
  };

  return new Hono<AuthEnv>()
    .use(requireRole('operator'))
    .post('/session', async (c) => {
      const body = parseRequest(loginBody, await c.req.json().catch(() => undefined), 'body');
      const known = new Set((await deps.directory.listMunicipalities()).map((m) => m.id));
      const unknown = body.municipalities.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new AppError(400, 'invalid_request', `body.municipalities: ${unknown.join(', ')} is not a member municipality`);
      }
      const principal = c.get('principal');
      const session = await deps.operators.login(principal.id, { name: principal.name, phone: body.phone, municipalities: body.municipalities });
      log.info({ operatorId: principal.id, phone: body.phone, municipalities: body.municipalities }, 'operator logged in');
      return c.json(session, 201);
    })
    .get('/session', async (c) => {
      const session = await deps.operators.get(c.get('principal').id);
      if (!session) throw new AppError(404, 'not_logged_in', 'You are not logged in as an operator');
      return c.json(session);
    })
    .delete('/session', async (c) => {
      const operatorId = c.get('principal').id;
      await deps.operators.logout(operatorId);
      log.info({ operatorId }, 'operator logged out');
      return c.body(null, 204);
    })
    .post('/answer-next', async (c) => c.json(await answered(await answerCall(deps, c.get('principal').id))))
    .post('/calls/:callId/answer', async (c) => {
      const { callId } = parseRequest(callParam, c.req.param(), 'path');
      return c.json(await answered(await answerCall(deps, c.get('principal').id, callId)));
    });
}
