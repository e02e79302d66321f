import { createRequire } from 'node:module';
import type { SipRequestView } from '../../src/sip-edge/sip-request.js';

// drachtio-srf's own message and request classes (not in its bundled types), so the edge is
// tested on exactly the objects drachtio-server's messages become.
const require = createRequire(import.meta.url);
const SipMessage = require('drachtio-srf/lib/sip-parser/message') as new (raw: string) => object;
const SipRequest = require('drachtio-srf/lib/request') as new (msg: object, meta: object) => SipRequestView;

/**
 * A drachtio-srf request parsed from raw SIP text (lines joined with CRLF), as received from
 * `source` over UDP from port 5062 (where registerText's phone listens) unless told otherwise.
 */
export function sipRequest(
  lines: string[],
  source = '10.20.0.5',
  { port = 5062, protocol = 'udp' } = {},
): SipRequestView {
  const raw = [...lines, 'Content-Length: 0', '', ''].join('\r\n');
  return new SipRequest(new SipMessage(raw), {
    source: 'network',
    address: source,
    port: String(port),
    protocol,
    time: '0',
    transactionId: 'tx',
    dialogId: '',
  });
}

export function registerText(
  extension: string,
  {
    contact = `<sip:${extension}@10.20.0.5:5062>`,
    expires,
    authorization,
    userAgent = 'Yealink SIP-T54W',
  }: { contact?: string; expires?: number; authorization?: string; userAgent?: string } = {},
): string[] {
  return [
    'REGISTER sip:regionvaxel SIP/2.0',
    'Via: SIP/2.0/UDP 10.20.0.5:5062;branch=z9hG4bK-reg',
    `From: <sip:${extension}@regionvaxel>;tag=a1`,
    `To: <sip:${extension}@regionvaxel>`,
    'Call-ID: reg-1@10.20.0.5',
    'CSeq: 1 REGISTER',
    `Contact: ${contact}`,
    `User-Agent: ${userAgent}`,
    ...(expires === undefined ? [] : [`Expires: ${expires}`]),
    ...(authorization ? [`Authorization: ${authorization}`] : []),
  ];
}

export function inviteText(
  dialled: string,
  {
    from = '+46701234567',
    userAgent = 'carrier-sbc',
    proxyAuthorization,
  }: { from?: string; userAgent?: string; proxyAuthorization?: string } = {},
): string[] {
  return [
    `INVITE sip:${dialled}@edge.regionvaxel SIP/2.0`,
    'Via: SIP/2.0/UDP 10.20.0.5:5060;branch=z9hG4bK-inv',
    `From: <sip:${from}@carrier>;tag=b2`,
    `To: <sip:${dialled}@edge.regionvaxel>`,
    'Call-ID: inv-1@10.20.0.5',
    'CSeq: 1 INVITE',
    `Contact: <sip:${from}@10.20.0.5:5060>`,
    `User-Agent: ${userAgent}`,
    ...(proxyAuthorization ? [`Proxy-Authorization: ${proxyAuthorization}`] : []),
  ];
}
