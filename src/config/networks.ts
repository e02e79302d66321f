import { isIPv4 } from 'node:net';

/**
 * IP networks written as CIDR ("10.24.60.0/24", "fd00:2460::/48") as numeric spans, so the
 * region config can tell whether two members' phone networks overlap (BlockList, which the
 * edge uses for membership, cannot compare networks).
 */
export interface NetworkSpan {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(address: string): bigint {
  // An embedded IPv4 tail ("::ffff:10.0.0.1") is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  const text = tail
    ? address.replace(tail, ((v) => `${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`)(ipv4Value(tail)))
    : address;
  const [head = '', rest] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** The span of a CIDR network (zod has checked its syntax); `hostBits` is true when the address is not the network's first. */
export function networkSpan(cidr: string): NetworkSpan & { hostBits: boolean } {
  const [address = '', bits = ''] = cidr.split('/');
  const family = isIPv4(address) ? 4 : 6;
  const width = family === 4 ? 32n : 128n;
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  const hostMask = (1n << (width - BigInt(Number(bits)))) - 1n;
  const first = value & ~hostMask;
  return { family, first, last: first | hostMask, hostBits: first !== value };
}

export function spansOverlap(a: NetworkSpan, b: NetworkSpan): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}
