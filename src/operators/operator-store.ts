import { z } from 'zod';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { hashReply, runScript } from '../store/scripts.js';

export const OPERATOR_STATES = ['available', 'connecting', 'on-call', 'wrap-up', 'paused'] as const;
/**
 * available: may take a call; connecting: their phone rings for a call; on-call: talking;
 * wrap-up: after a call, until wrapUpUntil (then available; asking for a call ends it early);
 * paused: takes no calls until they say they are ready.
 */
export type OperatorState = (typeof OPERATOR_STATES)[number];

/** Why an operator paused; `note` says more in free text. */
export const PAUSE_REASONS = [
  'break',
  'lunch',
  'meeting',
  'training',
  'admin-work',
  'technical-problem',
  'other',
] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

/** How much an operator favours a municipality's calls (store/lua/claim-1.lua): wait × weight. */
export const MIN_WEIGHT = 0.1;
export const MAX_WEIGHT = 10;

export interface ServedMunicipality {
  id: string;
  weight: number;
}

/** A logged-in operator, as kept in {p}:operator:{id}. Only the queue and operator scripts change `state` and its fields. */
export interface OperatorSession {
  id: string;
  name: string;
  /** SIP URI of the phone the switchboard rings for this operator. */
  phone: string;
  /** Ids of the municipalities whose calls this operator takes. */
  municipalities: string[];
  /** The same, each with its weight (1 unless given). */
  served: ServedMunicipality[];
  state: OperatorState;
  /** ms since epoch (Redis clock) of the last change of state. */
  stateSince: number;
  /** The call being offered (connecting) or talked to (on-call). */
  callId?: string;
  pauseReason?: PauseReason;
  pauseNote?: string;
  /** End of the wrap-up, ms since epoch. */
  wrapUpUntil?: number;
  loggedInAt: number;
}

export interface LoginInput {
  name: string;
  phone: string;
  /** Municipality ids (weight 1), or each with its weight. */
  municipalities: readonly (string | ServedMunicipality)[];
  /** The media node the phone can be rung from only (a browser phone's: claim-1.lua offers only calls held there). */
  phoneNode?: string | undefined;
}

const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(schema);

const operatorHashSchema = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  municipalities: json(z.array(z.string())),
  weights: json(z.record(z.string(), z.number())).optional(),
  state: z.enum(OPERATOR_STATES),
  // Absent in sessions stored before states had a time.
  stateSince: z.coerce.number().int().optional(),
  callId: z.string().optional(),
  pauseReason: z.enum(PAUSE_REASONS).optional(),
  pauseNote: z.string().optional(),
  wrapUpUntil: z.coerce.number().int().optional(),
  loggedInAt: z.coerce.number().int(),
});

/**
 * The stored session as the operator sees it. A wrap-up is not ended by a timer: once its
 * time has passed the operator is shown (and treated by claim-1.lua) as available.
 */
function parseOperator(hash: Record<string, string>, now = Date.now()): OperatorSession {
  const parsed = operatorHashSchema.safeParse(hash);
  if (!parsed.success)
    throw new Error(`operator session ${hash.id ?? '(no id)'} in Redis is malformed: ${z.prettifyError(parsed.error)}`);
  const { weights = {}, stateSince = parsed.data.loggedInAt, ...rest } = parsed.data;
  const session = { ...rest, stateSince };
  const served = session.municipalities.map((id) => ({ id, weight: weights[id] ?? 1 }));
  if (session.state === 'wrap-up' && session.wrapUpUntil !== undefined && session.wrapUpUntil <= now) {
    const { wrapUpUntil, ...available } = session;
    return { ...available, served, state: 'available', stateSince: wrapUpUntil };
  }
  return { ...session, served };
}

/**
 * Operators' sessions. Every change is a Lua script (store/lua/operator-*.lua) so that none
 * can interleave with a claim: an operator never logs out, pauses, or changes phone under a
 * call. Each emits operator.state on the event stream.
 */
export function createOperatorStore(redis: RedisClient, k: Keys) {
  async function get(operatorId: string): Promise<OperatorSession | null> {
    const hash = await redis.hGetAll(k.operator(operatorId));
    return Object.keys(hash).length === 0 ? null : parseOperator(hash);
  }

  return {
    get,

    /**
     * Starts a session, or updates phone, name and municipalities (with weights) of an operator
     * not on a call. 409 operator_busy during a call.
     */
    async login(operatorId: string, { name, phone, municipalities, phoneNode }: LoginInput): Promise<OperatorSession> {
      const served = municipalities.map((m) => (typeof m === 'string' ? { id: m, weight: 1 } : m));
      const reply = await runScript(
        redis.operatorLogin(
          [k.operator(operatorId), k.operators()],
          [
            k.prefix,
            operatorId,
            name,
            phone,
            JSON.stringify(served.map((m) => m.id)),
            JSON.stringify(Object.fromEntries(served.map((m) => [m.id, m.weight]))),
            phoneNode ?? '',
          ],
        ),
        { operatorId },
      );
      return parseOperator(hashReply(reply));
    },

    /** Ends the session; true if there was one. 409 operator_busy while a call is offered or talked to. */
    async logout(operatorId: string): Promise<boolean> {
      const ended = await runScript(
        redis.operatorLogout([k.operator(operatorId), k.operators()], [k.prefix, operatorId]),
        { operatorId },
      );
      return ended === 1;
    },

    /** Takes no calls until ready(). 409 operator_not_logged_in, operator_busy during a call. */
    async pause(operatorId: string, reason: PauseReason, note = ''): Promise<OperatorSession> {
      const reply = await runScript(
        redis.operatorPause([k.operator(operatorId)], [k.prefix, operatorId, reason, note]),
        { operatorId },
      );
      return parseOperator(hashReply(reply));
    },

    /** Ends a pause or a wrap-up: available for calls. 409 operator_not_logged_in, operator_busy during a call. */
    async ready(operatorId: string): Promise<OperatorSession> {
      const reply = await runScript(redis.operatorReady([k.operator(operatorId)], [k.prefix, operatorId]), {
        operatorId,
      });
      return parseOperator(hashReply(reply));
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
