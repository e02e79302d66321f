import { z } from 'zod';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { hashReply, runScript } from '../store/scripts.js';

export const OPERATOR_STATES = ['available', 'connecting', 'on-call'] as const;
/** available: may take a call; connecting: their phone rings for a call; on-call: talking. */
export type OperatorState = (typeof OPERATOR_STATES)[number];

/** A logged-in operator, as kept in {p}:operator:{id}. Only the queue scripts change `state` and `callId`. */
export interface OperatorSession {
  id: string;
  name: string;
  /** SIP URI of the phone the switchboard rings for this operator. */
  phone: string;
  /** Ids of the municipalities whose calls this operator takes. */
  municipalities: string[];
  state: OperatorState;
  /** The call being offered (connecting) or talked to (on-call). */
  callId?: string;
  loggedInAt: number;
}

export interface LoginInput {
  name: string;
  phone: string;
  municipalities: string[];
}

const operatorHashSchema = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  municipalities: z
    .string()
    .transform((json) => JSON.parse(json) as unknown)
    .pipe(z.array(z.string())),
  state: z.enum(OPERATOR_STATES),
  callId: z.string().optional(),
  loggedInAt: z.coerce.number().int(),
}) satisfies z.ZodType<OperatorSession>;

function parseOperator(hash: Record<string, string>): OperatorSession {
  const parsed = operatorHashSchema.safeParse(hash);
  if (!parsed.success) throw new Error(`operator session ${hash.id ?? '(no id)'} in Redis is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Operators' sessions. Login and logout are Lua scripts (store/lua/operator-*.lua) so that they
 * cannot interleave with a claim: an operator never logs out, or changes phone, under a call.
 */
export function createOperatorStore(redis: RedisClient, k: Keys) {
  async function get(operatorId: string): Promise<OperatorSession | null> {
    const hash = await redis.hGetAll(k.operator(operatorId));
    return Object.keys(hash).length === 0 ? null : parseOperator(hash);
  }

  return {
    get,

    /** Starts a session, or updates phone, name and municipalities of an available operator. 409 operator_busy during a call. */
    async login(operatorId: string, { name, phone, municipalities }: LoginInput): Promise<OperatorSession> {
      const reply = await runScript(
        redis.operatorLogin([k.operator(operatorId), k.operators()], [k.prefix, operatorId, name, phone, JSON.stringify(municipalities)]),
        { operatorId },
      );
      return parseOperator(hashReply(reply));
    },

    /** Ends the session; true if there was one. 409 operator_busy while a call is offered or talked to. */
    async logout(operatorId: string): Promise<boolean> {
      const ended = await runScript(redis.operatorLogout([k.operator(operatorId), k.operators()], [k.prefix, operatorId]), { operatorId });
      return ended === 1;
    },

    /** Every logged-in operator, by id. */
    async list(): Promise<OperatorSession[]> {
      const ids = (await redis.sMembers(k.operators())).sort();
      const sessions = await Promise.all(ids.map(get));
      return sessions.filter((session): session is OperatorSession => session !== null);
    },
  };
}

export type OperatorStore = ReturnType<typeof createOperatorStore>;
