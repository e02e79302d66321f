import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sipDigestHa1 } from '../../src/admin/extensions.js';
import { createAdminStores } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { localActor } from '../../src/auth/token-store.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { createContactStore } from '../../src/extensions/contact-store.js';
import { createNonces, NONCE_LIFETIME_MS, parseDigest } from '../../src/sip-edge/registrar/digest.js';
import { register, type RegistrarDeps } from '../../src/sip-edge/registrar/register.js';
import { createAuthFailures } from '../../src/sip-edge/security/auth-failures.js';
import { useRedis } from '../support/redis.js';
import { registerText, sipRequest } from './sip-text.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const PASSWORD = 'correct horse battery';
const EXT = '2460100';

/** What a phone computes from its password (RFC 2617 with qop=auth), written out independently of the edge's code. */
function answer(challenge: string, { username = EXT, password = PASSWORD, uri = 'sip:regionvaxel' } = {}): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
  const ha1 = md5(`${username}:regionvaxel:${password}`);
  const response = md5(`${ha1}:${nonce}:00000001:c0ffee:auth:${md5(`REGISTER:${uri}`)}`);
  return `Digest username="${username}", realm="regionvaxel", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"`;
}

describe('registrar (drachtio-srf requests from raw SIP, bindings in a real redis-server)', () => {
  const ctx = useRedis();
  let clock = Date.parse('2026-11-27T10:00:00Z');

  function deps(): RegistrarDeps {
    return {
      realm: 'regionvaxel',
      nonces: createNonces(undefined, () => clock),
      failures: createAuthFailures({ points: 3 }),
      // The admin side's shape and HA1 formula (admin/extensions.ts).
      credentials: async (ext) => (ext === EXT ? { username: EXT, realm: 'regionvaxel', ha1: sipDigestHa1(EXT, 'regionvaxel', PASSWORD) } : undefined),
      contacts: createContactStore(ctx.redis, ctx.k),
    };
  }

  async function challenge(d: RegistrarDeps): Promise<string> {
    const reply = await register(sipRequest(registerText(EXT)), d);
    expect(reply.status).toBe(401);
    return reply.headers!['WWW-Authenticate']!;
  }

  it('challenges, then binds several contacts per extension with their expiry, and Expires: 0 removes one', async () => {
    const d = deps();
    const first = await challenge(d);
    expect(first).toMatch(/^Digest realm="regionvaxel", nonce="[^"]+", algorithm=MD5, qop="auth"$/);

    const desk = await register(sipRequest(registerText(EXT, { expires: 600, authorization: answer(first) })), d);
    expect(desk).toEqual({ status: 200, headers: { Contact: '<sip:2460100@10.20.0.5:5062>;expires=600' } });
    const mobile = sipRequest(registerText(EXT, { contact: '<sip:2460100@10.30.1.9:5060;transport=tcp>;expires=120', authorization: answer(first) }), '10.30.1.9', { port: 5060, protocol: 'tcp' });
    expect((await register(mobile, d)).status).toBe(200);
    expect(await d.contacts.contacts(EXT)).toEqual(['sip:2460100@10.20.0.5:5062', 'sip:2460100@10.30.1.9:5060;transport=tcp']);

    const off = await register(sipRequest(registerText(EXT, { contact: '<sip:2460100@10.20.0.5:5062>', expires: 0, authorization: answer(first) })), d);
    expect(off.status).toBe(200);
    expect(await d.contacts.contacts(EXT)).toEqual(['sip:2460100@10.30.1.9:5060;transport=tcp']);

    const all = await register(sipRequest(registerText(EXT, { contact: '*', expires: 0, authorization: answer(first) })), d);
    expect(all).toEqual({ status: 200 });
    expect(await d.contacts.contacts(EXT)).toEqual([]);
  });

  it('binds a phone behind NAT at the address its REGISTER came from, and unbinds it the same way', async () => {
    const d = deps();
    const auth = answer(await challenge(d));
    const behindNat = (expires?: number) => sipRequest(registerText(EXT, { contact: '<sip:2460100@192.168.1.10:5062>', expires, authorization: auth }), '203.0.113.5', { port: 40123 });
    const bound = await register(behindNat(300), d);
    expect(bound).toEqual({ status: 200, headers: { Contact: '<sip:2460100@203.0.113.5:40123;transport=udp>;expires=300' } });
    expect(await d.contacts.contacts(EXT)).toEqual(['sip:2460100@203.0.113.5:40123;transport=udp']);
    expect((await register(behindNat(0), d)).status).toBe(200);
    expect(await d.contacts.contacts(EXT)).toEqual([]);
  });

  it('authenticates against the HA1 the admin API stored for the extension (and only with its password)', async () => {
    const region = await loadRegionConfig('config/region.yaml');
    const admin = createAdminStores(ctx.redis, ctx.k, createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }), region);
    await admin.extensions.create({ extension: '2460150', displayName: 'Reception', municipalityId: '2460', password: 'stored-by-the-admin-api' }, localActor('registrar test'));
    const d = { ...deps(), credentials: (ext: string) => admin.extensions.sipCredentials(ext) };
    const challenged = await register(sipRequest(registerText('2460150')), d);
    const header = challenged.headers!['WWW-Authenticate']!;
    const wrong = await register(sipRequest(registerText('2460150', { authorization: answer(header, { username: '2460150', password: PASSWORD }) })), d);
    expect(wrong).toEqual({ status: 403 });
    const right = await register(sipRequest(registerText('2460150', { authorization: answer(header, { username: '2460150', password: 'stored-by-the-admin-api' }) })), d);
    expect(right.status).toBe(200);
    expect(await d.contacts.contacts('2460150')).toEqual(['sip:2460150@10.20.0.5:5062']);
  });

  it('a binding is stored with its expiry (the shortest lifetime granted is 60 s)', async () => {
    const d = deps();
    const auth = answer(await challenge(d));
    expect((await register(sipRequest(registerText(EXT, { expires: 1, authorization: auth })), d)).headers?.Contact).toMatch(/;expires=60$/);
    const score = await ctx.redis.zScore(ctx.k.contacts(EXT), 'sip:2460100@10.20.0.5:5062');
    const [seconds] = await ctx.redis.time();
    expect(score! - Number(seconds) * 1000).toBeGreaterThan(58_000);
    expect(score! - Number(seconds) * 1000).toBeLessThanOrEqual(61_000);
  });

  it('refuses a wrong password, another extension\'s credentials, and an unknown extension alike: a bare 403', async () => {
    const d = deps();
    const c = await challenge(d);
    for (const authorization of [answer(c, { password: 'wrong password!' }), answer(c, { username: '2460999' })]) {
      expect(await register(sipRequest(registerText(EXT, { authorization })), d)).toEqual({ status: 403 });
    }
    expect(await d.contacts.contacts(EXT)).toEqual([]);
  });

  it('rate limits failed authentication per source: blocked even with the right password, other sources unaffected', async () => {
    const d = deps();
    const c = await challenge(d);
    for (let i = 0; i < 3; i++) await register(sipRequest(registerText(EXT, { authorization: answer(c, { password: `guess number ${i}` }) }), '10.66.0.1'), d);
    expect(await register(sipRequest(registerText(EXT, { authorization: answer(c) }), '10.66.0.1'), d)).toEqual({ status: 403 });
    expect(await register(sipRequest(registerText(EXT), '10.66.0.1'), d)).toEqual({ status: 403 });
    expect((await register(sipRequest(registerText(EXT, { authorization: answer(c) }), '10.20.0.5'), d)).status).toBe(200);
  });

  it('an old nonce is answered with a fresh challenge marked stale; a forged one is refused', async () => {
    const d = deps();
    const c = await challenge(d);
    clock += NONCE_LIFETIME_MS + 1;
    const stale = await register(sipRequest(registerText(EXT, { authorization: answer(c) })), d);
    expect(stale.status).toBe(401);
    expect(stale.headers!['WWW-Authenticate']).toMatch(/stale=true$/);
    const forged = answer(c.replace(/nonce="[^"]+"/, `nonce="${clock.toString(36)}.AAAAAAAAAAAAAAAAAAAAAA"`));
    expect((await register(sipRequest(registerText(EXT, { authorization: forged })), d)).status).toBe(403);
  });
});

describe('digest header', () => {
  it('reads quoted and bare parameters and refuses what it does not support', () => {
    const ok = parseDigest('Digest username="2460100",realm="regionvaxel",nonce="n",uri="sip:r",response="0123456789abcdef0123456789abcdef",algorithm=MD5');
    expect(ok).toMatchObject({ username: '2460100', realm: 'regionvaxel', algorithm: 'MD5' });
    expect(parseDigest('Digest username="a", realm="r", nonce="n", uri="u", response="00", algorithm=SHA-256')).toBeUndefined();
    expect(parseDigest('Basic YWxhZGRpbjpvcGVuc2VzYW1l')).toBeUndefined();
    // qop=auth without nc/cnonce cannot be verified.
    expect(parseDigest('Digest username="a", realm="r", nonce="n", uri="u", response="0123456789abcdef0123456789abcdef", qop=auth')).toBeUndefined();
  });
});
