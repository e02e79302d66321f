import type { ContactStore } from '../../extensions/contact-store.js';
import { authenticate, type AuthDeps, type SipReply } from '../security/authenticate.js';
import { sipHeaders, type SipRequestView } from '../sip-request.js';
import { reachableContact } from './nat.js';

/** Binding lifetimes granted: phones asking for more get the maximum, for less (but not 0) the minimum. */
export const EXPIRES = { default: 3600, min: 60, max: 3600 };

export interface RegistrarDeps extends AuthDeps {
  contacts: Pick<ContactStore, 'bind' | 'unbind' | 'contacts'>;
}

/** The reply, and what this REGISTER left bound at its source (the edge keeps a copy for 112, edge.ts): the longest lifetime granted, 0 for none. */
export type RegisterReply = SipReply & { registered?: { extension: string; expiresSeconds: number } };

/**
 * Answers a REGISTER from a phone network (security/screen.ts decided that): digest
 * authentication as the extension in To, then the bindings in Redis (contact-store), several
 * per extension, each with its own expiry; `Expires: 0` (or `;expires=0`) removes one, and
 * `Contact: *` with `Expires: 0` removes them all. A request without Contact asks for the
 * current bindings. A Contact behind NAT is bound at the address the REGISTER came from (nat.ts).
 */
export async function register(req: SipRequestView, deps: RegistrarDeps): Promise<RegisterReply> {
  const extension = sipHeaders.toExtension(req);
  const auth = await authenticate(req, deps);
  if ('reply' in auth) return auth.reply;
  // A phone may only register its own extension.
  if (extension !== auth.extension) return { status: 403 };

  const headerExpires = sipHeaders.expires(req);
  if (sipHeaders.contactIsStar(req)) {
    if (headerExpires !== 0) return { status: 400 };
    for (const contact of await deps.contacts.contacts(extension)) await deps.contacts.unbind(extension, contact);
    return { status: 200, registered: { extension, expiresSeconds: 0 } };
  }
  const granted = new Map<string, number>();
  const asked = sipHeaders.contacts(req);
  for (const contact of asked) {
    const { expires = headerExpires ?? EXPIRES.default } = contact;
    const uri = reachableContact(contact.uri, req);
    if (expires === 0) {
      await deps.contacts.unbind(extension, uri);
      continue;
    }
    granted.set(uri, Math.min(EXPIRES.max, Math.max(EXPIRES.min, expires)));
    await deps.contacts.bind(extension, uri, granted.get(uri)!);
  }
  // The phone learns its granted lifetime from its own Contact's expires parameter (RFC 3261 §10.3).
  const current = await deps.contacts.contacts(extension);
  const listed = current.map((uri) => (granted.has(uri) ? `<${uri}>;expires=${granted.get(uri)}` : `<${uri}>`));
  // A REGISTER without Contact only asks for the bindings: it changes nothing.
  const registered =
    asked.length === 0 ? {} : { registered: { extension, expiresSeconds: Math.max(0, ...granted.values()) } };
  return listed.length === 0
    ? { status: 200, ...registered }
    : { status: 200, headers: { Contact: listed.join(', ') }, ...registered };
}
