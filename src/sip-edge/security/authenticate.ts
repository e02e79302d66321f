import { sipHeaders, type SipRequestView } from '../sip-request.js';
import { digestChallenge, digestMatches, type Nonces, parseDigest } from '../registrar/digest.js';
import type { AuthFailures } from './auth-failures.js';

/** A reply the edge sends: status and headers only, never a reason text with internal detail. */
export interface SipReply {
  status: number;
  headers?: Record<string, string>;
}

export interface AuthDeps {
  realm: string;
  nonces: Nonces;
  failures: AuthFailures;
  /** The admin side's digest credentials of an extension (admin/extensions.ts `sipCredentials`). */
  credentials(extension: string): Promise<{ username: string; realm: string; ha1: string } | undefined>;
}

/**
 * Digest authentication of a phone, shared by REGISTER (401/Authorization) and requests a
 * phone sends through the edge (407/Proxy-Authorization). Answers the authenticated
 * extension, or the reply to send: a challenge, or a bare 403 that does not say whether the
 * extension exists. Every wrong answer counts against the source's failure budget.
 */
export async function authenticate(req: SipRequestView, deps: AuthDeps): Promise<{ extension: string } | { reply: SipReply }> {
  const proxy = req.method !== 'REGISTER';
  const source = req.source_address;
  if (await deps.failures.blocked(source)) return { reply: { status: 403 } };
  const challenge = (stale: boolean): { reply: SipReply } => ({
    reply: { status: proxy ? 407 : 401, headers: { [proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate']: digestChallenge(deps.realm, deps.nonces.issue(), stale) } },
  });
  const header = sipHeaders.raw(req, proxy ? 'proxy-authorization' : 'authorization');
  if (header === undefined) return challenge(false);
  const given = parseDigest(header);
  const nonce = given && deps.nonces.check(given.nonce);
  if (nonce === 'stale') return challenge(true);
  const stored = given && nonce === 'fresh' && given.realm === deps.realm ? await deps.credentials(given.username) : undefined;
  if (!given || !stored || !digestMatches(stored.ha1, req.method, given)) {
    await deps.failures.failed(source);
    return { reply: { status: 403 } };
  }
  return { extension: stored.username };
}
