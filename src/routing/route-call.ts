import type { QueueReason } from '../calls/call-record.js';
import { parsePhoneNumber } from '../numbers/phone-number.js';
import type { RouteTarget } from './route-target.js';

/** Finds what a called number (E.164) is; backed by Redis in production, by a table in unit tests. */
export type NumberLookup = (e164: string) => Promise<RouteTarget | undefined>;

/** What happens to a call. */
export type CallRoute =
  | { action: 'queue'; municipalityId: string; calledNumber: string; reason: QueueReason }
  /** Not ours or not a number: the caller is turned away at once (SIP 404), never left hanging. */
  | { action: 'reject'; cause: 'invalid-number' | 'unknown-number'; detail: string };

/**
 * Decides where a call to `dialled` goes. A main number goes to its municipality's queue.
 * Until the regional menu and direct-dial delivery exist, the regional number waits in the
 * default municipality's queue and a direct-dial number in its municipality's queue, each
 * with the reason shown to the operator, so a citizen always reaches a person.
 */
export async function routeCall(dialled: string, lookup: NumberLookup): Promise<CallRoute> {
  const parsed = parsePhoneNumber(dialled);
  if (!parsed.ok) return { action: 'reject', cause: 'invalid-number', detail: parsed.problem };
  const target = await lookup(parsed.e164);
  if (!target) return { action: 'reject', cause: 'unknown-number', detail: `${parsed.e164} is not a number of the region` };
  return { action: 'queue', municipalityId: target.municipalityId, calledNumber: parsed.e164, reason: QUEUE_REASON[target.kind] };
}

const QUEUE_REASON: Record<RouteTarget['kind'], QueueReason> = {
  'main-number': 'main-number',
  'regional-number': 'regional-number',
  'direct-dial': 'unassigned-direct-number',
};
