import type { AdminStores } from '../../admin/index.js';
import type { ListQuery } from '../../admin/versioned-store.js';
import { createOpeningStateReader, type OpeningState } from '../../hours/opening-state.js';
import { log } from '../../log.js';
import { runPeriodically } from '../../periodic-job.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';

/**
 * How often an instance asks whether any admin object changed ({p}:admin-version): the longest
 * a change of opening hours, a queue policy or a greeting goes unseen by new callers.
 */
export const CONFIG_CHECK_EVERY_MS = 500;

/**
 * An opening state is kept at most this long, even when the next open/closed change is later:
 * which rule keeps a municipality closed (holiday or outside hours: the wording of the closed
 * message) may change without the state changing.
 */
const OPENING_STATE_MAX_AGE_MS = 60_000;

/** The admin objects a caller's arrival reads. */
export type ArrivalAdmin = Pick<AdminStores, 'openingHours' | 'openingExceptions' | 'greetings' | 'queuePolicies'>;

interface Readable<Get, List> {
  type: string;
  get(id: string): Promise<Get>;
  list(query: ListQuery): Promise<List>;
}

/**
 * What the arrival reads for every call — opening hours and exceptions, queue policies, stored
 * texts — kept in memory until any admin object changes: every change raises
 * {p}:admin-version (store/lua/_admin.lua), which each instance reads every
 * CONFIG_CHECK_EVERY_MS, so a change reaches new callers within that (docs/decisions.md,
 * "Call set-up under load"). A storm of callers then costs no reads but the enqueue itself.
 * When Redis cannot be reached, what was read last stays in use; a read that fails is not kept.
 * The opening state itself is kept until it changes by the clock (OpeningState.changesAt).
 */
export function createArrivalConfig(deps: { redis: RedisClient; k: Keys; admin: ArrivalAdmin; checkEveryMs?: number }) {
  const { redis, k } = deps;
  let reads = new Map<string, Promise<unknown>>();
  let states = new Map<string, { state: OpeningState; at: number; validUntil: number }>();
  let version: string | null | undefined;

  function kept<T>(key: string, read: () => Promise<T>): Promise<T> {
    const found = reads.get(key);
    if (found) return found as Promise<T>;
    const reading = read();
    reads.set(key, reading);
    const map = reads;
    reading.catch(() => map.get(key) === reading && map.delete(key));
    return reading;
  }

  function cached<Get, List>(store: Readable<Get, List>) {
    return {
      type: store.type,
      get: (id: string) => kept(`${store.type} get ${id}`, () => store.get(id)),
      list: (query: ListQuery) => kept(`${store.type} list ${JSON.stringify(query)}`, () => store.list(query)),
    };
  }

  const admin = {
    openingHours: cached(deps.admin.openingHours),
    openingExceptions: cached(deps.admin.openingExceptions),
    greetings: cached(deps.admin.greetings),
    queuePolicies: cached(deps.admin.queuePolicies),
  };
  const reader = createOpeningStateReader(admin);

  async function checkVersion(): Promise<void> {
    const now = await redis.get(k.adminVersion());
    if (now === version) return;
    if (version !== undefined)
      log.debug({ adminVersion: now }, 'admin objects changed: cached arrival configuration dropped');
    version = now;
    reads = new Map();
    states = new Map();
  }

  const checks = runPeriodically(
    'checking the admin version',
    // Redis out of reach: keep what we have, ask again next time (not worth a line every half second).
    () => checkVersion().catch(() => undefined),
    deps.checkEveryMs ?? CONFIG_CHECK_EVERY_MS,
    { atOnce: false },
  );

  return {
    /** Versioned-store look-alikes whose reads are cached (for queue/policy, stored texts). */
    admin,

    /** hours/opening-state.ts openingStateAt, reused until the state may change. */
    async openingStateAt(municipalityId: string, at: Date): Promise<OpeningState> {
      const t = at.getTime();
      const found = states.get(municipalityId);
      if (found && found.at <= t && t < found.validUntil) return found.state;
      const map = states;
      const state = await reader.openingStateAt(municipalityId, at);
      const changes = state.changesAt ? Date.parse(state.changesAt) : Number.POSITIVE_INFINITY;
      map.set(municipalityId, { state, at: t, validUntil: Math.min(changes, t + OPENING_STATE_MAX_AGE_MS) });
      return state;
    },

    stop: checks.stop,
  };
}

export type ArrivalConfig = ReturnType<typeof createArrivalConfig>;
