import type { QueueReason } from '../../calls/call-record.js';
import type { DiallingGuard } from '../../dialling/dialling-guard.js';
import { FEATURE_CODE_HEADER, isFeatureCodeDial } from '../../self-service/feature-codes.js';
import { classifyNumber, type ClassifiedNumber, type NumberClass } from '../../numbers/number-class.js';
import { type DirectNumberTarget, extensionOwner, type NumberLookup, routeCall } from '../../routing/route-call.js';
import type { MediaNodePool } from '../media-nodes/media-node-pool.js';
import type { PhoneSource } from './emergency-caller-id.js';

/**
 * Where the edge sends an INVITE: pure decisions over the ONE routing core
 * (routing/route-call.ts), so the SIP edge, the ARI arrival path and the simulator agree, and
 * over the ONE dial policy (dialling/) for every call that leaves through the trunk.
 * edge.ts carries a decision out with drachtio-srf; the unit tests check decisions.
 */

/** A call the switchboard takes: its municipality and the number the citizen called (E.164). */
export interface SwitchboardCall {
  municipalityId: string;
  calledNumber: string;
}

/**
 * Why a call reaches the switchboard, as X-Reason. Beyond the queue reasons: a direct number
 * forwarded out that the dial policy now refuses, or whose far end did not take the call. The
 * Asterisk side records those as its routing core sees the number (unassigned-direct-number).
 */
export type SwitchboardReason = QueueReason | 'forward-refused' | 'forward-failed';

/**
 * An Asterisk media node (`node`, host:port); the headers tell its dialplan the municipality and
 * what the call is for. `featureCode`: a phone's own feature code, not a citizen's call: a node
 * that refuses it leaves it failed, never rung at the fallback numbers.
 */
export type MediaRoute = {
  kind: 'media';
  node: string;
  uri: string;
  headers: Record<string, string>;
  featureCode?: true;
};

export type EdgeRoute =
  | MediaRoute
  /** Ring every registered contact at once; if none answers, `unanswered` (switchboard) or pass the failure on. */
  | { kind: 'contacts'; extension: string; uris: string[]; unanswered?: SwitchboardCall }
  | TrunkRoute
  /** No media node or no Redis: ring the configured fallback numbers (through the trunk) at once. */
  | { kind: 'fallback'; uris: string[] }
  /** `refusal`: the dial policy's (or the daily cap's) reason, for the log and nothing else: the reply is a bare status. */
  | { kind: 'reject'; status: 403 | 404 | 480 | 503; refusal?: { numberClass: NumberClass; reason: string } };

/** Out through the carrier's trunk. */
export interface TrunkRoute {
  kind: 'trunk';
  uri: string;
  numberClass: NumberClass;
  /** E.164 shown as From and P-Asserted-Identity (the caller is ours: a phone, or 112 from a phone network). */
  callerId?: string;
  /** A direct number forwarded out: it is the asserted identity and the Diversion; the caller stays in From; unanswered, the switchboard takes the call. */
  forwarded?: { from: string; call: SwitchboardCall };
  /** An extension's call counted against its daily cap: its talk time is added when it ends. */
  admitted?: { municipalityId: string; extension: string };
}

export type Caller =
  | { from: 'trunk' }
  /** A phone authenticated as `extension`. */
  | { from: 'phone'; extension: string }
  /** A phone network's request without credentials: only 112 goes anywhere (it never waits for authentication). */
  | { from: 'phone-network'; at: PhoneSource };

export interface EdgeRoutingDeps {
  findRoute: NumberLookup;
  directNumberTarget: DirectNumberTarget;
  /** Registered contacts of an extension (extensions/contact-store.ts). */
  contacts(extension: string): Promise<string[]>;
  /** Whether the person the extension stands for has a hänvisning in force now (directory/entries/person-of-extension.ts). */
  absent(extension: string): Promise<boolean>;
  /** An extension's municipality and direct number, undefined when there is no such extension. */
  extension(extension: string): Promise<{ municipalityId: string; directNumber?: string | undefined } | undefined>;
  /** A municipality's first main number (config/region.yaml), the caller ID of extensions without a direct number. */
  mainNumber(municipalityId: string): string | undefined;
  /** The dial policy and the extensions' daily caps (dialling/dialling-guard.ts). */
  dialling: Pick<DiallingGuard, 'decide' | 'admitExtensionCall'>;
  /** The caller ID of a 112 call from a phone network (emergency-caller-id.ts); never fails. */
  emergencyCallerId(at: PhoneSource, callId: string): Promise<string | undefined>;
  media: Pick<MediaNodePool, 'next'>;
  /** host[:port] of the carrier's SIP side (CARRIER_SIP_HOST). */
  trunkHost: string | undefined;
  /** E.164 numbers rung when the switchboard cannot take calls. */
  fallbackNumbers: readonly string[];
  /** How long a decision may wait for Redis before the call goes to the fallback. */
  deadlineMs?: number;
}

/**
 * Emergency and national short numbers need no area codes to be recognised: this classifies
 * them before anything that could fail, with no Redis and no policy (the policy's other
 * classes are the guard's, with the region's area codes).
 */
const NO_AREA_CODES: ReadonlySet<string> = new Set();
export const isEmergency = (dialled: string) => classifyNumber(dialled, NO_AREA_CODES).class === 'emergency';

/** Phones dial extensions as bare digits; numbers of the telephone network start with 0 or +. Short numbers are classified first. */
const looksLikeExtension = (dialled: string) => /^[1-9]\d{1,7}$/.test(dialled);

export async function routeInvite(
  dialled: string | undefined,
  caller: Caller,
  deps: EdgeRoutingDeps,
  callId = '',
): Promise<EdgeRoute> {
  if (dialled === undefined) return { kind: 'reject', status: 404 };
  if (isFeatureCodeDial(dialled)) return featureCode(dialled, caller, deps);
  const plain = classifyNumber(dialled, NO_AREA_CODES);
  if (plain.class === 'emergency') return emergency(caller, deps, callId);
  if (caller.from === 'phone-network') return { kind: 'reject', status: 403 };
  // 1177, 11414, 116 000 …: numbers that go out, never extensions, never refused or capped.
  if (caller.from === 'phone' && plain.class === 'short-service') return shortNumber(plain, caller.extension, deps);
  try {
    return await withDeadline(decide(dialled, plain, caller, deps, callId), deps.deadlineMs ?? 1_000);
  } catch {
    // Redis unreachable or too slow: a citizen's call reaches the fallback; a phone's own call is not taken.
    return caller.from === 'phone' ? { kind: 'reject', status: 503 } : fallback(deps);
  }
}

async function decide(
  dialled: string,
  plain: ClassifiedNumber,
  caller: Caller & { from: 'trunk' | 'phone' },
  deps: EdgeRoutingDeps,
  callId: string,
): Promise<EdgeRoute> {
  if (caller.from === 'phone' && looksLikeExtension(dialled)) {
    if (!(await deps.extension(dialled))) return { kind: 'reject', status: 404 };
    const uris = await deps.contacts(dialled);
    return uris.length === 0 ? { kind: 'reject', status: 480 } : { kind: 'contacts', extension: dialled, uris };
  }
  // routeCall sees only extensions; a forward found on the way is kept for the queue case below.
  const seen: { forward?: string } = {};
  const owner = extensionOwner(deps.directNumberTarget, (target) => {
    if (target?.kind === 'external') seen.forward = target.number;
  });
  const route = await routeCall(dialled, deps.findRoute, owner);
  switch (route.action) {
    case 'reject':
      if (caller.from === 'trunk') return { kind: 'reject', status: 404 };
      return plain.class === 'invalid'
        ? { kind: 'reject', status: 404 }
        : external(dialled, caller.extension, deps, callId);
    case 'extension': {
      const unanswered = { municipalityId: route.municipalityId, calledNumber: route.calledNumber };
      // The media side says the hänvisning and offers the queue (media/arrival/direct-dial.ts): the phones do not ring.
      if (await deps.absent(route.extension)) return toSwitchboard(unanswered, 'extension-absent', deps);
      const uris = await deps.contacts(route.extension);
      return uris.length === 0
        ? toSwitchboard(unanswered, 'extension-not-registered', deps)
        : { kind: 'contacts', extension: route.extension, uris, unanswered };
    }
    case 'menu':
      return toSwitchboard(route, 'regional-number', deps, 'menu');
    case 'queue': {
      const call = { municipalityId: route.municipalityId, calledNumber: route.calledNumber };
      return seen.forward === undefined
        ? toSwitchboard(call, route.reason, deps)
        : forward(call, seen.forward, deps, callId);
    }
  }
}

/**
 * A switchboard call to a healthy media node, round robin; the fallback when none answers.
 * Also where a direct-dial call goes when the extension is busy or does not answer.
 */
export function toSwitchboard(
  call: SwitchboardCall,
  reason: SwitchboardReason,
  deps: Pick<EdgeRoutingDeps, 'media' | 'trunkHost' | 'fallbackNumbers'>,
  target: 'queue' | 'menu' = 'queue',
): EdgeRoute {
  const node = deps.media.next();
  if (!node) return fallback(deps);
  return {
    kind: 'media',
    node,
    uri: `sip:${call.calledNumber}@${node}`,
    headers: { 'X-Municipality': call.municipalityId, 'X-Target': target, 'X-Reason': reason },
  };
}

/**
 * A feature code (`*21*1400#`, `#21#`, the service number `*20`) sets the hänvisning of the
 * extension that dials it, so only an authenticated phone may: to a media node with the
 * extension the edge authenticated as `X-Extension` (media/arrival/feature-code.ts). The B2BUA
 * sends a new INVITE with only the headers a route names, so no caller's own X-Extension ever
 * reaches a media node. A trunk caller gets 404 (not a number of the region); a phone network's
 * request without credentials 403.
 */
function featureCode(dialled: string, caller: Caller, deps: Pick<EdgeRoutingDeps, 'media'>): EdgeRoute {
  if (caller.from !== 'phone') return { kind: 'reject', status: caller.from === 'trunk' ? 404 : 403 };
  const node = deps.media.next();
  if (!node) return { kind: 'reject', status: 503 };
  return {
    kind: 'media',
    node,
    // `#` is not allowed unescaped in a SIP URI's user part.
    uri: `sip:${dialled.replaceAll('#', '%23')}@${node}`,
    headers: { [FEATURE_CODE_HEADER]: caller.extension },
    featureCode: true,
  };
}

/**
 * A media node refused the call with 503 (its instance drains: a rolling upgrade): the same call
 * to the next healthy node that has not refused it, or undefined when there is none.
 */
export function toAnotherNode(
  route: MediaRoute,
  refusedBy: readonly string[],
  deps: Pick<EdgeRoutingDeps, 'media'>,
): MediaRoute | undefined {
  const node = deps.media.next(refusedBy);
  return node === undefined
    ? undefined
    : { ...route, node, uri: `${route.uri.slice(0, route.uri.lastIndexOf('@'))}@${node}` };
}

export function fallback(deps: Pick<EdgeRoutingDeps, 'trunkHost' | 'fallbackNumbers'>): EdgeRoute {
  if (!deps.trunkHost || deps.fallbackNumbers.length === 0) return { kind: 'reject', status: 503 };
  return { kind: 'fallback', uris: deps.fallbackNumbers.map((n) => `sip:${n}@${deps.trunkHost}`) };
}

/** A phone's call to a number outside the region: the dial policy of its municipality, then its daily cap. */
async function external(dialled: string, extension: string, deps: EdgeRoutingDeps, callId: string): Promise<EdgeRoute> {
  const found = await deps.extension(extension);
  // Authenticated a moment ago, deleted since.
  if (!found) return { kind: 'reject', status: 403 };
  const decision = await deps.dialling.decide(found.municipalityId, 'extension', dialled, { extension, callId });
  if (!decision.allowed)
    return { kind: 'reject', status: 403, refusal: { numberClass: decision.class, reason: decision.reason } };
  if (!deps.trunkHost) return { kind: 'reject', status: 503 };
  const cap = await deps.dialling.admitExtensionCall(found.municipalityId, extension);
  if (!cap.admitted)
    return {
      kind: 'reject',
      status: 403,
      refusal: { numberClass: decision.class, reason: `the extension's daily cap of ${cap.limit} is reached` },
    };
  return {
    kind: 'trunk',
    uri: `sip:${decision.dial}@${deps.trunkHost}`,
    numberClass: decision.class,
    callerId: found.directNumber ?? deps.mainNumber(found.municipalityId),
    admitted: { municipalityId: found.municipalityId, extension },
  };
}

/**
 * A direct number forwarded to an external number (a numbers entry): out through the trunk if
 * the number's municipality's policy still allows forwards to that class, else to its
 * switchboard: the citizen always reaches someone.
 */
async function forward(
  call: SwitchboardCall,
  target: string,
  deps: EdgeRoutingDeps,
  callId: string,
): Promise<EdgeRoute> {
  if (!deps.trunkHost) return toSwitchboard(call, 'forward-refused', deps);
  const decision = await deps.dialling.decide(call.municipalityId, 'forwarded', target, { callId });
  if (!decision.allowed) return toSwitchboard(call, 'forward-refused', deps);
  return {
    kind: 'trunk',
    uri: `sip:${decision.dial}@${deps.trunkHost}`,
    numberClass: decision.class,
    forwarded: { from: call.calledNumber, call },
  };
}

/** A national short number from a phone, as dialled, with the phone's caller ID if Redis gives it at once. */
async function shortNumber(classified: ClassifiedNumber, extension: string, deps: EdgeRoutingDeps): Promise<EdgeRoute> {
  if (!deps.trunkHost) return { kind: 'reject', status: 503 };
  const callerId = await withDeadline(callerIdOf(extension, deps), 200).catch(() => undefined);
  return {
    kind: 'trunk',
    uri: `sip:${classified.dial}@${deps.trunkHost}`,
    numberClass: classified.class,
    ...(callerId ? { callerId } : {}),
  };
}

/**
 * 112 (and its other forms: +46112, 0046112, the old 90000, all sent as 112) needs only the
 * trunk's address; the caller ID never makes it wait long (emergency-caller-id.ts).
 */
async function emergency(caller: Caller, deps: EdgeRoutingDeps, callId: string): Promise<EdgeRoute> {
  if (!deps.trunkHost) return { kind: 'reject', status: 503 };
  const callerId =
    caller.from === 'phone-network'
      ? await deps.emergencyCallerId(caller.at, callId).catch(() => undefined)
      : caller.from === 'phone'
        ? await withDeadline(callerIdOf(caller.extension, deps), 200).catch(() => undefined)
        : undefined;
  return {
    kind: 'trunk',
    uri: `sip:112@${deps.trunkHost}`,
    numberClass: 'emergency',
    ...(callerId ? { callerId } : {}),
  };
}

/** The extension's own direct number, else its municipality's main number. */
async function callerIdOf(extension: string, deps: EdgeRoutingDeps): Promise<string | undefined> {
  const found = await deps.extension(extension);
  return found && (found.directNumber ?? deps.mainNumber(found.municipalityId));
}

/**
 * The headers of a call to the trunk: our caller ID as From and P-Asserted-Identity; for a
 * forwarded number, the forwarding number asserted with a Diversion header (RFC 5806, which
 * Swedish carriers take; History-Info is not sent) and the citizen's own From left as it came.
 */
export function trunkHeaders(route: TrunkRoute, domain: string): Record<string, string> {
  const address = (number: string) => `<sip:${number}@${domain}>`;
  if (route.forwarded) {
    return {
      'P-Asserted-Identity': address(route.forwarded.from),
      Diversion: `${address(route.forwarded.from)};reason=unconditional;counter=1`,
    };
  }
  return route.callerId ? { From: address(route.callerId), 'P-Asserted-Identity': address(route.callerId) } : {};
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
