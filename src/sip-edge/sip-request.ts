import Srf from 'drachtio-srf';
import { z } from 'zod';
import { unescapeDial } from '../self-service/feature-codes.js';

/**
 * The part of a drachtio-srf request the edge reads. drachtio-srf's bundled types drift from
 * its real API, so the edge depends on this small view (which its own `Srf.SipRequest`
 * satisfies, in production and in the unit tests built from raw SIP text) and reads every
 * header through a zod schema: a malformed header is a refusal, never an exception.
 */
export interface SipRequestView {
  method: string;
  uri: string;
  source_address: string;
  source_port: number;
  /** udp, tcp, tls or ws(s): the transport the request came over. */
  protocol: string;
  get(header: string): string | undefined;
  getParsedHeader(header: string): unknown;
}

/** The user part of a SIP URI (`sip:0935141000@host` → `0935141000`), or undefined. */
export function uriUser(uri: string): string | undefined {
  try {
    return Srf.parseUri(uri)?.user ?? undefined;
  } catch {
    return undefined;
  }
}

const ParsedAddress = z.object({ uri: z.string(), params: z.record(z.string(), z.string().optional()).default({}) });
const ContactList = z.array(ParsedAddress);
const Seconds = z.coerce
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const UserAgent = z.string().max(512);
/**
 * A dialled user part: digits, optionally with a leading +, as phones and trunks send them; or a
 * phone's feature code (`*20`, `*21*1400#`: self-service/feature-codes.ts), its `#` sent as `%23`.
 */
const Dialled = z
  .string()
  .transform(unescapeDial)
  .pipe(z.string().regex(/^(\+?\d{2,20}|[*#][\d*#]{1,19})$/));
const Extension = z.string().regex(/^\d{2,8}$/);

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Reading a request's headers, each checked; undefined when missing or malformed. */
export const sipHeaders = {
  /** What was dialled: the Request-URI's user part. */
  dialled: (req: SipRequestView) => Dialled.safeParse(uriUser(req.uri)).data,
  /** The extension a REGISTER is for: the To URI's user part. */
  toExtension: (req: SipRequestView) =>
    Extension.safeParse(safe(() => uriUser(ParsedAddress.parse(req.getParsedHeader('to')).uri))).data,
  /** The From URI's user part when it is an extension's form (a phone's own line), else undefined. */
  fromUser: (req: SipRequestView) =>
    Extension.safeParse(safe(() => uriUser(ParsedAddress.parse(req.getParsedHeader('from')).uri))).data,
  userAgent: (req: SipRequestView) => UserAgent.safeParse(req.get('user-agent') ?? '').data ?? '',
  /** The Expires header in seconds, if present and valid. */
  expires: (req: SipRequestView) => Seconds.safeParse(req.get('expires')).data,
  /** `Contact: *` (remove every binding, only with Expires: 0). */
  contactIsStar: (req: SipRequestView) => req.get('contact')?.trim() === '*',
  /** The Contact header's addresses with their parameters; [] when absent or unreadable. */
  contacts: (req: SipRequestView): { uri: string; expires?: number }[] => {
    if (!req.get('contact') || sipHeaders.contactIsStar(req)) return [];
    const parsed = ContactList.safeParse(safe(() => req.getParsedHeader('contact')));
    return (parsed.data ?? []).map((c) => ({ uri: c.uri, expires: Seconds.safeParse(c.params.expires).data }));
  },
  /** A header's raw value checked for length (digest credentials), or undefined. */
  raw: (req: SipRequestView, header: string) => z.string().max(4096).safeParse(req.get(header)).data,
};
