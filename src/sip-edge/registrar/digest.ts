import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * SIP digest authentication (RFC 2617, MD5, qop=auth only) against a stored HA1: the formula
 * with node:crypto, since no maintained implementation ships with drachtio-srf.
 *
 * A nonce is a timestamp and a random part signed (HMAC) with a per-process key together with
 * the address it was issued to, so it is good only from that address and only in this process.
 * What it cannot say itself, which nonce counts were used, is kept in Redis
 * (security/nonce-counts.ts): an answer seen on the wire cannot be played again.
 */

/** How long a nonce is accepted: phones re-register well within it, then answer `stale=true`. */
export const NONCE_LIFETIME_MS = 5 * 60_000;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

const Credentials = z.object({
  username: z.string().min(1).max(64),
  realm: z.string().max(128),
  nonce: z.string().max(256),
  uri: z.string().max(1024),
  response: z.string().regex(/^[0-9a-f]{32}$/i),
  algorithm: z.literal('MD5').optional(),
  // Without qop there is no nonce count, and so no protection against replay: refused.
  qop: z.literal('auth'),
  nc: z.string().regex(/^[0-9a-f]{8}$/i),
  cnonce: z.string().min(1).max(256),
});
export type DigestCredentials = z.output<typeof Credentials>;

/** The parameters of an `Authorization: Digest …` header, checked; undefined when it is not one we accept. */
export function parseDigest(header: string | undefined): DigestCredentials | undefined {
  const match = header && /^\s*Digest\s+(.*)$/is.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, name, quoted, token] of match[1]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[name!.toLowerCase()] = quoted ?? token ?? '';
  }
  return Credentials.safeParse(params).data;
}

/** stamp (base 36 ms) . random (12 bytes) . signature (16 bytes), all base64url: what every nonce of ours looks like. */
const OUR_FORM = /^([0-9a-z]{1,12})\.([\w-]{16})\.([\w-]{22})$/;

export type NonceCheck =
  /** Issued by this process to this address, within its lifetime. */
  | { state: 'fresh'; remainingMs: number }
  /** Ours in form but too old, from an earlier process or another instance, or issued to another address: challenge again with stale=true. */
  | { state: 'stale' }
  /** Not a nonce of ours at all. */
  | { state: 'invalid' };

export function createNonces(key: Buffer = randomBytes(32), now: () => number = Date.now) {
  const sign = (body: string, source: string) =>
    createHmac('sha256', key).update(`${body}|${source}`).digest('base64url').slice(0, 22);
  return {
    /** A new nonce for a challenge sent to `source` (the request's source address). */
    issue(source: string): string {
      const body = `${now().toString(36)}.${randomBytes(12).toString('base64url')}`;
      return `${body}.${sign(body, source)}`;
    },
    check(nonce: string, source: string): NonceCheck {
      const form = OUR_FORM.exec(nonce);
      if (!form) return { state: 'invalid' };
      const [, stamp = '', random = '', signature = ''] = form;
      const expected = Buffer.from(sign(`${stamp}.${random}`, source));
      if (!timingSafeEqual(Buffer.from(signature), expected)) return { state: 'stale' };
      const remainingMs = parseInt(stamp, 36) + NONCE_LIFETIME_MS - now();
      return remainingMs >= 0 ? { state: 'fresh', remainingMs } : { state: 'stale' };
    },
  };
}
export type Nonces = ReturnType<typeof createNonces>;

/** The response a phone knowing the password computes (RFC 2617 §3.2.2.1, qop=auth). */
export function digestResponse(
  ha1: string,
  method: string,
  c: Pick<DigestCredentials, 'nonce' | 'uri' | 'nc' | 'cnonce'>,
): string {
  return md5(`${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:auth:${md5(`${method}:${c.uri}`)}`);
}

/** Whether `credentials` prove knowledge of the password behind `ha1`, compared in constant time. */
export function digestMatches(ha1: string, method: string, credentials: DigestCredentials): boolean {
  const expected = Buffer.from(digestResponse(ha1, method, credentials));
  const given = Buffer.from(credentials.response.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The challenge header value. */
export function digestChallenge(realm: string, nonce: string, stale: boolean): string {
  return `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
}
