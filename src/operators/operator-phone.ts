import { isIPv4, isIPv6 } from 'node:net';
import { configuredHolder } from '../admin/region-rules.js';
import { addressList, inAddressList } from '../config/address-list.js';
import type { RegionConfig } from '../config/region-schema.js';
import { AppError } from '../errors.js';
import type { ContactStore } from '../extensions/contact-store.js';
import { z } from '../validation/schema.js';
import { BROWSER_PHONE } from './browser-phone.js';

/**
 * The phone an operator is rung on. Asterisk dials it as given (PJSIP/operator-phones/<uri>),
 * so any SIP address would be a free call to anywhere: a SIP address at the carrier, a
 * premium-rate gateway. A phone is therefore one of two things (docs/decisions.md, "Operator
 * phones"):
 *
 * - `sip:user@<IP address>[:port]` (sips too; IPv6 in brackets) whose address is on one of the
 *   operators' phone networks (OPERATOR_PHONE_NETWORKS). A host name is refused: DNS could
 *   point it anywhere, whatever it resolved to when checked.
 * - an extension of the region, its digits alone ("2403100"), rung at the contact its phone
 *   registered most recently (extensions/contact-store.ts).
 * - `browser`: the console's own phone (media/softphone/). Login turns it into
 *   `browser:<endpoint>`, the browser phone issued to the operator's token, which Asterisk
 *   dials as PJSIP/<endpoint> (its registered contact). Only login writes the endpoint: given
 *   by hand it is refused, so nobody rings another operator's browser.
 */
export type OperatorPhone =
  | { kind: 'sip'; uri: string; address: string }
  | { kind: 'extension'; extension: string }
  | { kind: 'browser'; endpoint?: string };

/** The user part is kept to characters that mean nothing to Asterisk's dial strings (no &, comma, slash). */
const SIP_PHONE = /^sips?:[A-Za-z0-9._~+-]+@(\[[^\]]*\]|[^:@\s]+)(?::(\d{1,5}))?$/i;
const EXTENSION = /^\d{3,15}$/;
const BROWSER = new RegExp(`^${BROWSER_PHONE}(?::(rv-sp-[0-9a-f]{24}))?$`);
/** For the OpenAPI document; the schema below says more precisely what is wrong. */
const PATTERN =
  '^(browser|sips?:[A-Za-z0-9._~+-]+@(\\d{1,3}(\\.\\d{1,3}){3}|\\[[0-9A-Fa-f:.]+\\])(:\\d{1,5})?|\\d{3,15})$';

/** The phone as written, or why it is neither form; not yet whether the address or extension is allowed. */
export function parseOperatorPhone(phone: string): OperatorPhone | { problem: string } {
  if (EXTENSION.test(phone)) return { kind: 'extension', extension: phone };
  const browser = BROWSER.exec(phone);
  if (browser) return browser[1] ? { kind: 'browser', endpoint: browser[1] } : { kind: 'browser' };
  const sip = SIP_PHONE.exec(phone);
  if (!sip)
    return {
      problem:
        'must be the SIP address of a phone by its IP address, like sip:anna@10.1.2.3:5060, an extension of the region, like 2403100, or browser (the console)',
    };
  const [, host = '', port] = sip;
  const address = host.startsWith('[') ? host.slice(1, -1) : host;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    return { problem: `has the port ${port}, which is not between 1 and 65535` };
  if (host.startsWith('[') ? !isIPv6(address) : !isIPv4(address)) {
    return {
      problem: `names the host ${host}: give the phone's IP address (like sip:anna@10.1.2.3), since a name could point anywhere`,
    };
  }
  return { kind: 'sip', uri: phone, address };
}

/** The syntax of a phone (login, operator accounts); whether it is allowed is OperatorPhones.problem's. */
export const OperatorPhoneSchema = z
  .string()
  .trim()
  .max(256, 'is too long for the SIP address of a phone')
  .superRefine((phone, ctx) => {
    const parsed = parseOperatorPhone(phone);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    else if (parsed.kind === 'browser' && parsed.endpoint)
      ctx.addIssue({ code: 'custom', message: 'must be browser alone: the console’s phone is found from your token' });
  })
  .openapi({
    pattern: PATTERN,
    example: 'sip:anna@10.1.2.3:5060',
    description:
      'sip:user@<IP address>[:port] on an operator phone network (OPERATOR_PHONE_NETWORKS), an extension of the region (its digits, e.g. 2403100), rung where its phone is registered, or browser: the console’s own phone (POST /api/v1/operator/softphone first)',
  });

/**
 * Why a phone may not be rung, or undefined when it may: a SIP address must be on one of the
 * operator phone networks, an extension in a member's extension ranges. Checked at login, when
 * an operator account is saved, and again at every ring (createOperatorPhones).
 */
export function operatorPhoneProblem(
  networks: readonly string[],
  region: Pick<RegionConfig, 'municipalities'>,
): (phone: string) => string | undefined {
  const allowed = addressList(networks);
  const described =
    networks.length === 0
      ? 'none is configured (OPERATOR_PHONE_NETWORKS): give an extension instead'
      : `OPERATOR_PHONE_NETWORKS: ${networks.join(', ')}`;
  return (phone) => {
    const parsed = parseOperatorPhone(phone);
    if ('problem' in parsed) return parsed.problem;
    if (parsed.kind === 'browser') return undefined;
    if (parsed.kind === 'extension') {
      return configuredHolder(region.municipalities, `extension:${parsed.extension}`)
        ? undefined
        : `${parsed.extension} is not in any member municipality's extension ranges`;
    }
    return inAddressList(allowed, parsed.address)
      ? undefined
      : `${parsed.address} is not on an operator phone network (${described})`;
  };
}

/** Which phones operators may be rung on, and where to ring one now. */
export function createOperatorPhones({
  networks,
  region,
  contacts,
}: {
  networks: readonly string[];
  region: Pick<RegionConfig, 'municipalities'>;
  contacts: Pick<ContactStore, 'contacts'>;
}) {
  const problem = operatorPhoneProblem(networks, region);
  /**
   * The SIP URI to ring the phone at now: a SIP address as it is, an extension at the contact
   * its phone registered most recently. 409 when it may not be rung (any longer: the networks
   * may have changed since login, and a session stored before this rule may hold any address),
   * or when the extension has no phone registered.
   */
  async function ringUri(phone: string): Promise<string> {
    const refused = problem(phone);
    if (refused)
      throw new AppError(
        409,
        'operator_phone_refused',
        `The phone ${phone} may not be rung: ${refused}. Log in again with an allowed phone`,
      );
    const parsed = parseOperatorPhone(phone) as OperatorPhone;
    if (parsed.kind === 'sip') return parsed.uri;
    if (parsed.kind === 'browser')
      throw new AppError(409, 'phone_not_registered', 'A browser phone is dialled by its endpoint, not a URI');
    const [latest] = await contacts.contacts(parsed.extension);
    if (!latest)
      throw new AppError(
        409,
        'phone_not_registered',
        `The phone cannot be rung: extension ${parsed.extension} has no phone registered right now`,
      );
    return latest;
  }

  return {
    problem,
    ringUri,

    /**
     * What Asterisk dials to ring the phone now: a browser phone its endpoint (its registered
     * contact), any other phone through `via` (the operators' endpoint) at ringUri.
     */
    async dialString(phone: string, via: string): Promise<string> {
      const parsed = parseOperatorPhone(phone);
      if (!('kind' in parsed) || parsed.kind !== 'browser') return `PJSIP/${via}/${await ringUri(phone)}`;
      if (!parsed.endpoint)
        throw new AppError(409, 'phone_not_registered', 'The browser phone is not known: log in again in the console');
      return `PJSIP/${parsed.endpoint}`;
    },
  };
}

export type OperatorPhones = ReturnType<typeof createOperatorPhones>;
