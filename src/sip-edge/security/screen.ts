import { type BlockList, isIPv6 } from 'node:net';
import { addressList } from '../../config/address-list.js';

/**
 * The first, cheap look at every request, before Redis or a digest: scanners are dropped
 * without an answer (an answer tells them someone is here), unknown sources get a bare 403,
 * and the rest are either the carrier's trunk or a phone network.
 */
export type Screening = 'drop' | 'forbidden' | 'trunk' | 'phone';

/** User agents of SIP scanners and war-diallers (SIPVicious and its clones), matched case-insensitively. */
const SCANNERS = /friendly-scanner|sipvicious|sipcli|sip-scan|sipsak|vaxsipuseragent|sundayddr|iWar|pplsip|smap|nmap/i;

export function isScanner(userAgent: string): boolean {
  return SCANNERS.test(userAgent);
}

export function createScreen(sources: { trunk: readonly string[]; phones: readonly string[] }) {
  const trunk = addressList(sources.trunk);
  const phones = addressList(sources.phones);
  const contains = (list: BlockList, address: string) => list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  return (sourceAddress: string, userAgent: string): Screening => {
    if (isScanner(userAgent)) return 'drop';
    if (contains(trunk, sourceAddress)) return 'trunk';
    if (contains(phones, sourceAddress)) return 'phone';
    return 'forbidden';
  };
}
export type Screen = ReturnType<typeof createScreen>;
