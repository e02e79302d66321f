import { type Principal, hasPermission } from '../auth/access.js';
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
 * The event as a token's holder may see it, or undefined: the stream tells no more than the API
 * would. A role that reads calls (calls:read: operators, auditors, region admins; over the API
 * they read every municipality's queues, calls, messages) gets every event whole. A role without
 * it (a municipality admin) reads only its municipality's statistics: it gets that
 * municipality's call events as bare facts (type, seq, at, municipalityId), without the call's
 * id, numbers, transfer targets or operator, enough for its wallboard to re-read the day's
 * figures (web/wallboard.tsx, on call.ended); operators' states and messages not at all. As
 * IT staff (admin:read) it gets its municipality's dial-policy events (dialling.*) with the
 * fields DIALLING_FIELDS_FOR_ADMINS, to act on a refused number or a capped extension. Left-out
 * events leave no gap a client could notice: seqs are stream ids, not a count, and a client
 * resuming with ?since= is filtered the same way again.
 */
export function eventFor(principal: Principal, event: SwitchboardEvent): SwitchboardEvent | undefined {
  if (hasPermission(principal, 'calls:read')) return event;
  if (event.municipalityId === undefined) return undefined;
  if (principal.role === 'municipality-admin' && event.municipalityId !== principal.municipalityId) return undefined;
  const facts = { seq: event.seq, type: event.type, at: event.at, municipalityId: event.municipalityId };
  if (event.type.startsWith('dialling.'))
    return hasPermission(principal, 'admin:read')
      ? { ...facts, ...pick(event, DIALLING_FIELDS_FOR_ADMINS) }
      : undefined;
  if (!hasPermission(principal, 'statistics:read') || !event.type.startsWith('call.')) return undefined;
  return facts;
}

/**
 * What IT staff act on in a dial-policy event (dialling.refused, dialling.cap-reached: which
 * kind of caller, which class of number, which extension, which limit): their municipality's
 * own administration. Not the call id (they read no calls), and no number (none is published).
 */
const DIALLING_FIELDS_FOR_ADMINS = ['kind', 'class', 'extension', 'limit', 'cap', 'used'] as const;

function pick(event: SwitchboardEvent, fields: readonly string[]): Record<string, string | number> {
  return Object.fromEntries(fields.flatMap((field) => (event[field] === undefined ? [] : [[field, event[field]!]])));
}

/** Compares two stream ids ("<ms>-<n>") in stream order. */
export function compareSeq(a: string, b: string): number {
  const [aMs, aN] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bN] = b.split('-').map(BigInt) as [bigint, bigint];
  return aMs === bMs ? Number(aN - bN) : aMs < bMs ? -1 : 1;
}

/** Appends an event for a change not made in a Lua script; returns its sequence. */
export async function publishEvent(
  redis: RedisClient,
  k: Keys,
  type: string,
  municipalityId: string | undefined,
  fields: Record<string, string | number> = {},
): Promise<string> {
  const message: Record<string, string> = { type, municipalityId: municipalityId ?? '' };
  for (const [name, value] of Object.entries(fields)) message[name] = String(value);
  return redis.xAdd(k.events(), '*', message, {
    TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: EVENTS_MAX_LENGTH },
  });
}
