import type { QueueReason } from '../calls/call-record.js';
import { parsePhoneNumber } from '../numbers/phone-number.js';
import type { RouteTarget } from './route-target.js';

/** Finds what a called number (E.164) is; backed by Redis in production, by a table in unit tests. */
export type NumberLookup = (e164: string) => Promise<RouteTarget | undefined>;

/**
 * The extension a direct-dial number (E.164) is given to, if any: an extension's own direct
 * number, or a numbers entry routed to an extension (routing/direct-number-owner.ts).
 */
export type DirectNumberOwner = (e164: string) => Promise<string | undefined>;

/**
 * Where a direct-dial number (E.164) is set to go, if anywhere: an extension (its own direct
 * number, or a numbers entry routed to it) or an external number it is forwarded to (a numbers
 * entry). Only the SIP edge forwards (through the trunk, under the dial policy); to routeCall,
 * and so to the Asterisk side, a forwarded number has no owner: its calls go to the queue.
 */
export type DirectNumberTarget = (
  e164: string,
) => Promise<{ kind: 'extension'; extension: string } | { kind: 'external'; number: string } | undefined>;

/** The owner routeCall asks, from a target look-up; `seen` gets each target found (the edge's forward). */
export function extensionOwner(
  target: DirectNumberTarget,
  seen?: (found: Awaited<ReturnType<DirectNumberTarget>>) => void,
): DirectNumberOwner {
  return async (e164) => {
    const found = await target(e164);
    seen?.(found);
    return found?.kind === 'extension' ? found.extension : undefined;
  };
}

/** What happens to a call. */
export type CallRoute =
  | { action: 'queue'; municipalityId: string; calledNumber: string; reason: QueueReason }
  /** The regional number: the caller chooses the municipality by DTMF; `municipalityId` is the default. */
  | { action: 'menu'; municipalityId: string; calledNumber: string }
  /** A direct-dial number given to an extension: ring its phones, the municipality's queue if they don't answer. */
  | { action: 'extension'; municipalityId: string; calledNumber: string; extension: string }
  /** Not ours or not a number: the caller is turned away at once (SIP 404), never left hanging. */
  | { action: 'reject'; cause: 'invalid-number' | 'unknown-number'; detail: string };

/**
 * Decides where a call to `dialled` goes. A main number goes to its municipality's queue; the
 * regional number to the menu; a direct-dial number to the extension it is given to (`owner`),
 * else to its municipality's queue with the reason shown to the operator, so a citizen always
 * reaches a person.
 */
export async function routeCall(dialled: string, lookup: NumberLookup, owner?: DirectNumberOwner): Promise<CallRoute> {
  const parsed = parsePhoneNumber(dialled);
  if (!parsed.ok) return { action: 'reject', cause: 'invalid-number', detail: parsed.problem };
  const target = await lookup(parsed.e164);
  if (!target)
    return { action: 'reject', cause: 'unknown-number', detail: `${parsed.e164} is not a number of the region` };
  const { municipalityId } = target;
  const calledNumber = parsed.e164;
  if (target.kind === 'regional-number') return { action: 'menu', municipalityId, calledNumber };
  if (target.kind === 'direct-dial') {
    const extension = await owner?.(calledNumber);
    if (extension) return { action: 'extension', municipalityId, calledNumber, extension };
    return { action: 'queue', municipalityId, calledNumber, reason: 'unassigned-direct-number' };
  }
  return { action: 'queue', municipalityId, calledNumber, reason: 'main-number' };
}
