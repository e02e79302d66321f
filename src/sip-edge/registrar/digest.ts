import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * SIP digest authentication (RFC 2617, MD5, qop=auth or none) against a stored HA1: the
 * formula with node:crypto, since no maintained implementation ships with drachtio-srf.
 * Nonces are stateless (a timestamp signed with a per-process key), so several edge
 * instances need no shared nonce store; a nonce from another instance or an older process is
 * answered `stale=true` and the phone simply retries with a fresh one.
 */

/** How long a nonce is accepted: phones re-register well within it. */
export const NONCE_LIFETIME_MS = 5 * 60_000;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

const Credentials = z.object({
  username: z.string().min(1).max(64),
  realm: z.string().max(128),
  nonce: z.string().max(256),
  uri: z.string().max(1024),
  response: z.string().regex(/^[0-9a-f]{32}$/i),
  algorithm: z.literal('MD5').optional(),
  qop: z.literal('auth').optional(),
  nc: z.string().regex(/^[0-9a-f]{8}$/i).optional(),
  cnonce: z.string().max(256).optional(),
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
  const parsed = Credentials.safeParse(params);
  return parsed.success && (parsed.data.qop === undefined || (parsed.data.nc && parsed.data.cnonce)) ? parsed.data : undefined;
}

export function createNonces(key: Buffer = randomBytes(32), now: () => number = Date.now) {
  const sign = (stamp: string) => createHmac('sha256', key).update(stamp).digest('base64url').slice(0, 22);
  return {
    issue(): string {
      const stamp = now().toString(36);
      return `${stamp}.${sign(stamp)}`;
    },
    /** `fresh`, `stale` (ours but too old: re-challenge with stale=true) or `invalid`. */
    check(nonce: string): 'fresh' | 'stale' | 'invalid' {
      const [stamp = '', signature = ''] = nonce.split('.');
      const expected = sign(stamp);
      if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return 'invalid';
      return now() - parseInt(stamp, 36) <= NONCE_LIFETIME_MS ? 'fresh' : 'stale';
    },
  };
}
export type Nonces = ReturnType<typeof createNonces>;

/** The response a phone knowing the password computes (RFC 2617 §3.2.2.1). */
export function digestResponse(ha1: string, method: string, c: Pick<DigestCredentials, 'nonce' | 'uri' | 'qop' | 'nc' | 'cnonce'>): string {
  const ha2 = md5(`${method}:${c.uri}`);
  return c.qop === 'auth' ? md5(`${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:auth:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
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
