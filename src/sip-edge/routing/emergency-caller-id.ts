import { addressList, inAddressList } from '../../config/address-list.js';
import { bindingAddress, sourceAddress } from '../../extensions/contact-store.js';
import { sipHeaders, type SipRequestView } from '../sip-request.js';

/**
 * Who a 112 call comes from, for the caller ID the emergency service sees (SOS Alarm locates
 * and calls back by it). 112 needs no credentials, so the phone is recognised by where it
 * calls from:
 * 1. a phone registered at the INVITE's source address and port (or at its Contact, on the
 *    same host): its extension's direct number, else its municipality's main number;
 * 2. while Redis does not answer in time: the same, from a copy in memory refreshed by every
 *    successful REGISTER and look-up (kept until the binding expires, plus LAST_KNOWN_GRACE_MS);
 * 3. not registered: the main number of the municipality whose phone network (config/region.yaml
 *    `phoneNetworks`) the source is on;
 * 4. an unknown network: the region's default municipality's main number. A number of the
 *    region is always better than none: the call is answered, and the switchboard can be asked.
 */

/** Where a phone's request came from, and what it says about itself. */
export interface PhoneSource {
  address: string;
  port: number;
  /** host:port of the request's Contact (bindingAddress). */
  contact?: string | undefined;
  /** The From URI's user part: which line, on a phone registered with several. */
  user?: string | undefined;
}

export function phoneSource(req: SipRequestView): PhoneSource {
  const contact = sipHeaders.contacts(req)[0]?.uri;
  return {
    address: req.source_address,
    port: req.source_port,
    contact: contact && bindingAddress(contact),
    user: sipHeaders.fromUser(req),
  };
}

export type CallerIdBasis = 'registered' | 'last-known' | 'network' | 'default';

export interface EmergencyCallerIdDeps {
  /** The extensions registered at host:port, most recently refreshed first, with their binding's expiry (contact-store `at`). */
  bindingsAt(hostPort: string): Promise<{ extension: string; expiresAt: number }[]>;
  extension(extension: string): Promise<{ municipalityId: string; directNumber?: string | undefined } | undefined>;
  mainNumber(municipalityId: string): string | undefined;
  region: {
    region: { defaultMunicipality: string };
    municipalities: readonly { id: string; phoneNetworks: readonly string[] }[];
  };
  /** How long the registered look-up may take before the copy in memory answers. */
  lookupMs?: number;
  now?: () => number;
}

/** How long after its binding expired a remembered caller ID is still used while Redis is away. */
export const LAST_KNOWN_GRACE_MS = 60 * 60_000;
/** Remembered addresses at most (a region has a few thousand phones); the oldest go first. */
const LAST_KNOWN_MAX = 50_000;

export function createEmergencyCallerIds(deps: EmergencyCallerIdDeps) {
  const now = deps.now ?? Date.now;
  const networks = deps.region.municipalities.map((m) => ({
    municipalityId: m.id,
    list: addressList(m.phoneNetworks),
  }));
  const lastKnown = new Map<string, { callerId: string; until: number }>();

  function remember(hostPort: string, callerId: string, bindingExpiresAt: number): void {
    lastKnown.delete(hostPort);
    lastKnown.set(hostPort, { callerId, until: bindingExpiresAt + LAST_KNOWN_GRACE_MS });
    if (lastKnown.size > LAST_KNOWN_MAX) lastKnown.delete(lastKnown.keys().next().value!);
  }

  async function callerIdOfExtension(extension: string): Promise<string | undefined> {
    const found = await deps.extension(extension);
    return found && (found.directNumber ?? deps.mainNumber(found.municipalityId));
  }

  /** The caller ID of a phone registered at one of `addresses`, remembered; undefined when none is. */
  async function registered(addresses: string[], user: string | undefined): Promise<string | undefined> {
    for (const hostPort of addresses) {
      const bindings = await deps.bindingsAt(hostPort);
      // A phone with several lines calls from one address: the line in From, else the freshest.
      const binding = bindings.find((b) => b.extension === user) ?? bindings[0];
      const callerId = binding && (await callerIdOfExtension(binding.extension));
      if (binding && callerId) {
        remember(hostPort, callerId, binding.expiresAt);
        return callerId;
      }
    }
    return undefined;
  }

  function byNetwork(address: string): { callerId: string | undefined; basis: 'network' | 'default' } {
    const owner = networks.find((n) => inAddressList(n.list, address))?.municipalityId;
    return owner
      ? { callerId: deps.mainNumber(owner), basis: 'network' }
      : { callerId: deps.mainNumber(deps.region.region.defaultMunicipality), basis: 'default' };
  }

  return {
    /** A REGISTER answered 200: keeps the caller ID of what `extension` has bound at `hostPort` (0 s: unbound, forgotten). */
    async registered(hostPort: string, extension: string, expiresSeconds: number): Promise<void> {
      if (expiresSeconds === 0) {
        lastKnown.delete(hostPort);
        return;
      }
      const callerId = await callerIdOfExtension(extension);
      if (callerId) remember(hostPort, callerId, now() + expiresSeconds * 1000);
    },

    /** The caller ID for a 112 call from `source`, and what it was found by. Never fails, never waits longer than lookupMs. */
    async of(source: PhoneSource): Promise<{ callerId: string | undefined; basis: CallerIdBasis }> {
      const self = sourceAddress(source.address, source.port);
      const host = self.slice(0, self.lastIndexOf(':') + 1);
      // The Contact counts only on the host the request came from: another host's address proves nothing.
      const addresses = [
        self,
        ...(source.contact && source.contact !== self && source.contact.startsWith(host) ? [source.contact] : []),
      ];
      let timer: NodeJS.Timeout | undefined;
      const lookup = registered(addresses, source.user).then(
        (callerId) => ({ answered: true as const, callerId }),
        () => ({ answered: false as const }),
      );
      const late = new Promise<{ answered: false }>(
        (resolve) => (timer = setTimeout(() => resolve({ answered: false }), deps.lookupMs ?? 200)),
      );
      const found = await Promise.race([lookup, late]).finally(() => clearTimeout(timer));
      if (found.answered && found.callerId) return { callerId: found.callerId, basis: 'registered' };
      if (!found.answered) {
        const known = addresses.map((a) => lastKnown.get(a)).find((entry) => entry && entry.until >= now());
        if (known) return { callerId: known.callerId, basis: 'last-known' };
      }
      return byNetwork(source.address);
    },
  };
}
export type EmergencyCallerIds = ReturnType<typeof createEmergencyCallerIds>;
