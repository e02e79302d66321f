import { BlockList, isIPv6 } from 'node:net';

/**
 * Addresses or CIDR networks as given in the environment (SIP_TRUNK_SOURCES,
 * SIP_PHONE_NETWORKS, OPERATOR_PHONE_NETWORKS: env.ts checks each is one), for membership tests.
 */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/** Whether an IP address (v4 or v6, as text) is in the list. */
export function inAddressList(list: BlockList, address: string): boolean {
  return list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
}
