import { log } from '../../log.js';
import { digestChallenge, digestMatches, type Nonces, parseDigest } from '../registrar/digest.js';
import { sipHeaders, type SipRequestView } from '../sip-request.js';
import type { AuthFailures } from './auth-failures.js';
import type { NonceCounts } from './nonce-counts.js';

/** A reply the edge sends: status and headers only, never a reason text with internal detail. */
export interface SipReply {
  status: number;
  headers?: Record<string, string>;
}

export interface AuthDeps {
  realm: string;
  nonces: Nonces;
  nonceCounts: Pick<NonceCounts, 'firstUse'>;
  failures: AuthFailures;
  /** The admin side's digest credentials of an extension (admin/extensions.ts `sipCredentials`). */
  credentials(extension: string): Promise<{ username: string; realm: string; ha1: string } | undefined>;
}

/**
 * Digest authentication of a phone, shared by REGISTER (401/Authorization) and requests a
 * phone sends through the edge (407/Proxy-Authorization). Answers the authenticated
 * extension, or the reply to send: a challenge, or a bare 403 that does not say whether the
 * extension exists.
 *
 * An answer counts only for the request it was computed for, from the address its nonce was
 * given to, once: its digest `uri` must be the Request-URI, its nonce must carry this source's
 * signature (digest.ts), and its nonce count must not have been used (nonce-counts.ts). An
 * answer takes its point of the (source, extension)'s failure budget before it is checked, and a
 * wrong one counts against the source's too (auth-failures.ts); a
 * nonce of ours this process cannot vouch for (too old, an earlier process, another instance,
 * another address) is challenged again with stale=true, and a count used before with a fresh
 * challenge, neither counting as a failure: a phone recovers by itself, a replayer gets nothing.
 */
export async function authenticate(
  req: SipRequestView,
  deps: AuthDeps,
): Promise<{ extension: string } | { reply: SipReply }> {
  const proxy = req.method !== 'REGISTER';
  const source = req.source_address;
  const header = sipHeaders.raw(req, proxy ? 'proxy-authorization' : 'authorization');
  const given = parseDigest(header);
  if (await deps.failures.blocked(source)) return { reply: { status: 403 } };
  const challenge = (stale: boolean): { reply: SipReply } => ({
    reply: {
      status: proxy ? 407 : 401,
      headers: {
        [proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate']: digestChallenge(
          deps.realm,
          deps.nonces.issue(source),
          stale,
        ),
      },
    },
  });
  const refuse = async (why: string): Promise<{ reply: SipReply }> => {
    // The phone hears a bare 403; the reason is for whoever chases a phone that cannot register.
    log.debug({ callId: req.get('call-id'), source, extension: given?.username, why }, 'SIP digest answer refused');
    await deps.failures.failed(source);
    return { reply: { status: 403 } };
  };
  if (header === undefined) return challenge(false);
  if (!given) return refuse('not a digest answer we accept (malformed, another algorithm, or no qop=auth)');
  if (!(await deps.failures.attempt(source, given.username))) return { reply: { status: 403 } };
  const notAFailure = async (stale: boolean) => {
    await deps.failures.giveBack(source, given.username);
    return challenge(stale);
  };
  const nonce = deps.nonces.check(given.nonce, source);
  if (nonce.state === 'stale') return notAFailure(true);
  if (nonce.state === 'invalid') return refuse('not a nonce of ours');
  if (given.realm !== deps.realm) return refuse('another realm');
  if (given.uri !== req.uri) return refuse('its uri is not the Request-URI');
  const stored = await deps.credentials(given.username);
  if (!stored || !digestMatches(stored.ha1, req.method, given)) return refuse('wrong answer or unknown extension');
  if (!(await deps.nonceCounts.firstUse(given.nonce, given.nc, nonce.remainingMs))) {
    log.warn(
      { callId: req.get('call-id'), source, extension: given.username },
      'SIP digest answer presented again (nonce count already used): challenged afresh',
    );
    return notAFailure(false);
  }
  await deps.failures.succeeded(source, given.username);
  return { extension: stored.username };
}
