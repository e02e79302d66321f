import Srf from 'drachtio-srf';
import type { SipRequestView } from '../sip-request.js';

/**
 * The address a binding is reached at. A phone behind NAT (at home, on a mobile network)
 * registers a Contact with its private address, which nothing outside can reach; the
 * REGISTER itself arrived from the NAT's public address and port, and requests sent back there
 * reach the phone while its keep-alives hold the mapping open. So when the Contact's host and
 * port differ from where the request came from, the binding is the source, with the user part
 * and transport kept (as a registrar's "received" would be, RFC 3327/5626 aside).
 * Unbinding goes through the same rewrite, so a phone removes what it added.
 */
export function reachableContact(
  contact: string,
  req: Pick<SipRequestView, 'source_address' | 'source_port' | 'protocol'>,
): string {
  let parsed: ReturnType<typeof Srf.parseUri>;
  try {
    parsed = Srf.parseUri(contact);
  } catch {
    return contact;
  }
  if (!parsed?.host) return contact;
  const transport = (parsed.params?.transport ?? req.protocol ?? 'udp').toLowerCase();
  const defaultPort = parsed.scheme === 'sips' || transport === 'tls' ? 5061 : 5060;
  // drachtio-srf's parser gives NaN for a URI without a port.
  const port = Number.isFinite(parsed.port) ? Number(parsed.port) : defaultPort;
  if (parsed.host === req.source_address && port === req.source_port) return contact;
  const user = parsed.user ? `${parsed.user}@` : '';
  const host = req.source_address.includes(':') ? `[${req.source_address}]` : req.source_address;
  return `${parsed.scheme ?? 'sip'}:${user}${host}:${req.source_port};transport=${transport}`;
}
