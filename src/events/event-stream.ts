import type { Principal } from '../auth/access.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/**
 * The real-time events of calls, queues and operators: the capped Redis stream {p}:events.
 * Nearly every event is appended by the Lua script that makes the change (store/lua/_shared.lua
 * emit_event), so the stream and the state never disagree; publishEvent is for the rare change
 * made outside Lua. The stream id is the event's sequence: ordered, unique, and what a client
 * gives back as ?since= to get what it missed (events/event-socket.ts).
 */

/** Keep in step with EVENTS_MAX_LENGTH in store/lua/_shared.lua. */
export const EVENTS_MAX_LENGTH = 100_000;

/** One event as clients receive it: its own fields (callId, operatorId, state...) beside these. */
export interface SwitchboardEvent {
  /** The stream id, "<ms>-<n>": give it back as ?since= to resume after this event. */
  seq: string;
  /** call.queued, call.offered, call.answered, call.requeued, call.ended, operator.state, ... */
  type: string;
  /** ms since epoch (Redis clock), from the sequence. */
  at: number;
  /** The municipality concerned, absent for region-wide events (an operator's state). */
  municipalityId?: string;
  [field: string]: string | number | undefined;
}

/** A stream entry as an event; values stay strings except `at`. */
export function toEvent(id: string, message: Record<string, string>): SwitchboardEvent {
  const { type = 'unknown', municipalityId, ...fields } = message;
  return { seq: id, type, at: Number(id.split('-')[0]), ...(municipalityId ? { municipalityId } : {}), ...fields };
}

/**
 * Whether a token's holder sees an event: a municipality admin sees their municipality's
 * events and region-wide ones (an operator's state) that name it among `municipalities`;
 * operators, auditors and region admins see everything.
 */
export function visibleTo(principal: Principal, event: SwitchboardEvent): boolean {
  if (principal.role !== 'municipality-admin') return true;
  const own = principal.municipalityId;
  if (event.municipalityId !== undefined) return event.municipalityId === own;
  return typeof event.municipalities === 'string' && event.municipalities.split(',').includes(own ?? '');
}

/** Compares two stream ids ("<ms>-<n>") in stream order. */
export function compareSeq(a: string, b: string): number {
  const [aMs, aN] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bN] = b.split('-').map(BigInt) as [bigint, bigint];
  return aMs === bMs ? Number(aN - bN) : aMs < bMs ? -1 : 1;
}

/** Appends an event for a change not made in a Lua script; returns its sequence. */
export async function publishEvent(redis: RedisClient, k: Keys, type: string, municipalityId: string | undefined, fields: Record<string, string | number> = {}): Promise<string> {
  const message: Record<string, string> = { type, municipalityId: municipalityId ?? '' };
  for (const [name, value] of Object.entries(fields)) message[name] = String(value);
  return redis.xAdd(k.events(), '*', message, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: EVENTS_MAX_LENGTH } });
}
