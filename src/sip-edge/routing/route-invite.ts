import type { QueueReason } from '../../calls/call-record.js';
import { parsePhoneNumber } from '../../numbers/phone-number.js';
import { type DirectNumberOwner, type NumberLookup, routeCall } from '../../routing/route-call.js';
import type { MediaNodePool } from '../media-nodes/media-node-pool.js';

/**
 * Where the edge sends an INVITE: pure decisions over the ONE routing core
 * (routing/route-call.ts), so the SIP edge, the ARI arrival path and the simulator agree.
 * edge.ts carries a decision out with drachtio-srf; the unit tests check decisions.
 */
export type EdgeRoute =
  /** An Asterisk media node; the headers tell its dialplan the municipality and what the call is for. */
  | { kind: 'media'; uri: string; headers: Record<string, string> }
  /** Ring every registered contact at once; if none answers, `unanswered` (switchboard) or pass the failure on. */
  | { kind: 'contacts'; extension: string; uris: string[]; unanswered?: { municipalityId: string; calledNumber: string } }
  /** Out through the carrier's trunk, with the caller ID to present (E.164) when known. */
  | { kind: 'trunk'; uri: string; callerId?: string }
  /** No media node or no Redis: ring the configured fallback numbers (through the trunk) at once. */
  | { kind: 'fallback'; uris: string[] }
  | { kind: 'reject'; status: 403 | 404 | 480 | 503 };

export type Caller = { from: 'trunk' } | { from: 'phone'; extension: string };

export interface EdgeRoutingDeps {
  findRoute: NumberLookup;
  directNumberOwner: DirectNumberOwner;
  /** Registered contacts of an extension (extensions/contact-store.ts). */
  contacts(extension: string): Promise<string[]>;
  /** An extension's municipality and direct number, undefined when there is no such extension. */
  extension(extension: string): Promise<{ municipalityId: string; directNumber?: string | undefined } | undefined>;
  /** A municipality's first main number (config/region.yaml), the caller ID of extensions without a direct number. */
  mainNumber(municipalityId: string): string | undefined;
  media: Pick<MediaNodePool, 'next'>;
  /** host[:port] of the carrier's SIP side (CARRIER_SIP_HOST). */
  trunkHost: string | undefined;
  /** E.164 numbers rung when the switchboard cannot take calls. */
  fallbackNumbers: readonly string[];
  /** How long a decision may wait for Redis before the call goes to the fallback. */
  deadlineMs?: number;
}

/** Emergency numbers: always the trunk, decided before anything that could fail (Redis, media nodes). */
const EMERGENCY = new Set(['112', '+46112', '0046112']);
export const isEmergency = (dialled: string) => EMERGENCY.has(dialled);

/** Phones dial extensions as bare digits; numbers of the telephone network start with 0 or +. */
const looksLikeExtension = (dialled: string) => /^[1-9]\d{1,7}$/.test(dialled);

export async function routeInvite(dialled: string | undefined, caller: Caller, deps: EdgeRoutingDeps): Promise<EdgeRoute> {
  if (dialled === undefined) return { kind: 'reject', status: 404 };
  if (isEmergency(dialled)) return emergency(caller, deps);
  try {
    return await withDeadline(decide(dialled, caller, deps), deps.deadlineMs ?? 1_000);
  } catch {
    // Redis unreachable or too slow: the switchboard keeps answering through the fallback.
    return fallback(deps);
  }
}

async function decide(dialled: string, caller: Caller, deps: EdgeRoutingDeps): Promise<EdgeRoute> {
  if (caller.from === 'phone' && looksLikeExtension(dialled)) {
    if (!(await deps.extension(dialled))) return { kind: 'reject', status: 404 };
    const uris = await deps.contacts(dialled);
    return uris.length === 0 ? { kind: 'reject', status: 480 } : { kind: 'contacts', extension: dialled, uris };
  }
  const route = await routeCall(dialled, deps.findRoute, deps.directNumberOwner);
  switch (route.action) {
    case 'reject':
      return caller.from === 'phone' ? external(dialled, caller.extension, deps) : { kind: 'reject', status: 404 };
    case 'extension': {
      const uris = await deps.contacts(route.extension);
      const unanswered = { municipalityId: route.municipalityId, calledNumber: route.calledNumber };
      return uris.length === 0 ? toSwitchboard(unanswered, 'extension-not-registered', deps) : { kind: 'contacts', extension: route.extension, uris, unanswered };
    }
    case 'menu':
      return toSwitchboard(route, 'regional-number', deps, 'menu');
    case 'queue':
      return toSwitchboard(route, route.reason, deps);
  }
}

/**
 * A switchboard call to a healthy media node, round robin; the fallback when none answers.
 * Also where a direct-dial call goes when the extension is busy or does not answer.
 */
export function toSwitchboard(
  call: { municipalityId: string; calledNumber: string },
  reason: QueueReason,
  deps: Pick<EdgeRoutingDeps, 'media' | 'trunkHost' | 'fallbackNumbers'>,
  target: 'queue' | 'menu' = 'queue',
): EdgeRoute {
  const node = deps.media.next();
  if (!node) return fallback(deps);
  return { kind: 'media', uri: `sip:${call.calledNumber}@${node}`, headers: { 'X-Municipality': call.municipalityId, 'X-Target': target, 'X-Reason': reason } };
}

export function fallback(deps: Pick<EdgeRoutingDeps, 'trunkHost' | 'fallbackNumbers'>): EdgeRoute {
  if (!deps.trunkHost || deps.fallbackNumbers.length === 0) return { kind: 'reject', status: 503 };
  return { kind: 'fallback', uris: deps.fallbackNumbers.map((n) => `sip:${n}@${deps.trunkHost}`) };
}

async function external(dialled: string, extension: string, deps: EdgeRoutingDeps): Promise<EdgeRoute> {
  const parsed = parsePhoneNumber(dialled);
  if (!parsed.ok) return { kind: 'reject', status: 404 };
  if (!deps.trunkHost) return { kind: 'reject', status: 503 };
  return { kind: 'trunk', uri: `sip:${parsed.e164}@${deps.trunkHost}`, callerId: await callerIdOf(extension, deps) };
}

/** 112 needs only the trunk's address; the caller ID is added if Redis answers in time, never waited for long. */
async function emergency(caller: Caller, deps: EdgeRoutingDeps): Promise<EdgeRoute> {
  if (!deps.trunkHost) return { kind: 'reject', status: 503 };
  const callerId = caller.from === 'phone' ? await withDeadline(callerIdOf(caller.extension, deps), 200).catch(() => undefined) : undefined;
  return { kind: 'trunk', uri: `sip:112@${deps.trunkHost}`, ...(callerId ? { callerId } : {}) };
}

/** The extension's own direct number, else its municipality's main number. */
async function callerIdOf(extension: string, deps: EdgeRoutingDeps): Promise<string | undefined> {
  const found = await deps.extension(extension);
  return found && (found.directNumber ?? deps.mainNumber(found.municipalityId));
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
