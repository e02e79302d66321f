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
import { createNonceCounts } from '../../src/sip-edge/security/nonce-counts.js';
import { startRedisServer } from '../../src/lab/redis-server.js';
import { keys } from '../../src/store/keys.js';
import { connectRedis } from '../../src/store/redis-client.js';
import { useRedis } from '../support/redis.js';
import { registerText, sipRequest } from './sip-text.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const PASSWORD = 'correct horse battery';
const EXT = '2460100';
const OTHER = '2460101';
/** Small budgets, so a test reaches them in a few tries. */
const BUDGETS = {
  sourceExtension: { points: 3, windowSeconds: 60, blockSeconds: 600 },
  source: { points: 6, windowSeconds: 60, blockSeconds: 600 },
};

/** A phone's nonce counts: every answer of a test's phone uses the next one, as phones do (RFC 2617 §3.2.2). */
let nc = 0;

/** What a phone computes from its password (RFC 2617 with qop=auth), written out independently of the edge's code. */
function answer(
  challenge: string,
  { username = EXT, password = PASSWORD, uri = 'sip:regionvaxel', count = ++nc } = {},
): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
  const ha1 = md5(`${username}:regionvaxel:${password}`);
  const n = count.toString(16).padStart(8, '0');
  const response = md5(`${ha1}:${nonce}:${n}:c0ffee:auth:${md5(`REGISTER:${uri}`)}`);
  return `Digest username="${username}", realm="regionvaxel", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${n}, cnonce="c0ffee"`;
}

describe('registrar (drachtio-srf requests from raw SIP, bindings in a real redis-server)', () => {
  const ctx = useRedis();
  let clock = Date.parse('2026-11-27T10:00:00Z');

  function deps({ key }: { key?: Buffer } = {}): RegistrarDeps {
    return {
      realm: 'regionvaxel',
      nonces: createNonces(key, () => clock),
      nonceCounts: createNonceCounts(ctx.redis, ctx.k),
      failures: createAuthFailures(ctx.redis, ctx.k, BUDGETS),
      // The admin side's shape and HA1 formula (admin/extensions.ts).
      credentials: async (ext) =>
        [EXT, OTHER].includes(ext)
          ? { username: ext, realm: 'regionvaxel', ha1: sipDigestHa1(ext, 'regionvaxel', PASSWORD) }
          : undefined,
      contacts: createContactStore(ctx.redis, ctx.k),
    };
  }

  /** A challenge as the phone at `source` gets it (its nonce is good only from there). */
  async function challenge(d: RegistrarDeps, source?: string): Promise<string> {
    const reply = await register(sipRequest(registerText(EXT), source), d);
    expect(reply.status).toBe(401);
    return reply.headers!['WWW-Authenticate']!;
  }

  it('challenges, then binds several contacts per extension with their expiry, and Expires: 0 removes one', async () => {
    const d = deps();
    const first = await challenge(d);
    expect(first).toMatch(/^Digest realm="regionvaxel", nonce="[^"]+", algorithm=MD5, qop="auth"$/);

    const desk = await register(sipRequest(registerText(EXT, { expires: 600, authorization: answer(first) })), d);
    // What it bound at its source, for the edge's copy of 112 caller IDs.
    expect(desk).toEqual({
      status: 200,
      headers: { Contact: '<sip:2460100@10.20.0.5:5062>;expires=600' },
      registered: { extension: EXT, expiresSeconds: 600 },
    });
    const fromMobile = await challenge(d, '10.30.1.9');
    const mobile = sipRequest(
      registerText(EXT, {
        contact: '<sip:2460100@10.30.1.9:5060;transport=tcp>;expires=120',
        authorization: answer(fromMobile),
      }),
      '10.30.1.9',
      { port: 5060, protocol: 'tcp' },
    );
    expect((await register(mobile, d)).status).toBe(200);
    expect(await d.contacts.contacts(EXT)).toEqual([
      'sip:2460100@10.20.0.5:5062',
      'sip:2460100@10.30.1.9:5060;transport=tcp',
    ]);

    const off = await register(
      sipRequest(
        registerText(EXT, { contact: '<sip:2460100@10.20.0.5:5062>', expires: 0, authorization: answer(first) }),
      ),
      d,
    );
    expect(off.status).toBe(200);
    expect(await d.contacts.contacts(EXT)).toEqual(['sip:2460100@10.30.1.9:5060;transport=tcp']);

    const all = await register(
      sipRequest(registerText(EXT, { contact: '*', expires: 0, authorization: answer(first) })),
      d,
    );
    expect(all).toEqual({ status: 200, registered: { extension: EXT, expiresSeconds: 0 } });
    expect(await d.contacts.contacts(EXT)).toEqual([]);
  });

  it('binds a phone behind NAT at the address its REGISTER came from, and unbinds it the same way', async () => {
    const d = deps();
    const c = await challenge(d, '203.0.113.5');
    const behindNat = (expires?: number) =>
      sipRequest(
        registerText(EXT, { contact: '<sip:2460100@192.168.1.10:5062>', expires, authorization: answer(c) }),
        '203.0.113.5',
        { port: 40123 },
      );
    const bound = await register(behindNat(300), d);
    expect(bound).toEqual({
      status: 200,
      headers: { Contact: '<sip:2460100@203.0.113.5:40123;transport=udp>;expires=300' },
      registered: { extension: EXT, expiresSeconds: 300 },
    });
    expect(await d.contacts.contacts(EXT)).toEqual(['sip:2460100@203.0.113.5:40123;transport=udp']);
    expect((await register(behindNat(0), d)).status).toBe(200);
    expect(await d.contacts.contacts(EXT)).toEqual([]);
  });

  it('authenticates against the HA1 the admin API stored for the extension (and only with its password)', async () => {
    const region = await loadRegionConfig('config/region.yaml');
    const admin = createAdminStores(ctx.redis, ctx.k, createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }), region);
    await admin.extensions.create(
      { extension: '2460150', displayName: 'Reception', municipalityId: '2460', password: 'stored-by-the-admin-api' },
      localActor('registrar test'),
    );
    const d = { ...deps(), credentials: (ext: string) => admin.extensions.sipCredentials(ext) };
    const challenged = await register(sipRequest(registerText('2460150')), d);
    const header = challenged.headers!['WWW-Authenticate']!;
    const wrong = await register(
      sipRequest(
        registerText('2460150', { authorization: answer(header, { username: '2460150', password: PASSWORD }) }),
      ),
      d,
    );
    expect(wrong).toEqual({ status: 403 });
    const right = await register(
      sipRequest(
        registerText('2460150', {
          authorization: answer(header, { username: '2460150', password: 'stored-by-the-admin-api' }),
        }),
      ),
      d,
    );
    expect(right.status).toBe(200);
    expect(await d.contacts.contacts('2460150')).toEqual(['sip:2460150@10.20.0.5:5062']);
  });

  it('a binding is stored with its expiry (the shortest lifetime granted is 60 s)', async () => {
    const d = deps();
    const auth = answer(await challenge(d));
    expect(
      (await register(sipRequest(registerText(EXT, { expires: 1, authorization: auth })), d)).headers?.Contact,
    ).toMatch(/;expires=60$/);
    const score = await ctx.redis.zScore(ctx.k.contacts(EXT), 'sip:2460100@10.20.0.5:5062');
    const [seconds] = await ctx.redis.time();
    expect(score! - Number(seconds) * 1000).toBeGreaterThan(58_000);
    expect(score! - Number(seconds) * 1000).toBeLessThanOrEqual(61_000);
  });

  it("refuses a wrong password, another extension's credentials, and an unknown extension alike: a bare 403", async () => {
    const d = deps();
    const c = await challenge(d);
    for (const authorization of [answer(c, { password: 'wrong password!' }), answer(c, { username: '2460999' })]) {
      expect(await register(sipRequest(registerText(EXT, { authorization })), d)).toEqual({ status: 403 });
    }
    expect(await d.contacts.contacts(EXT)).toEqual([]);
  });

  it('locks out a (source, extension) after its failures, the source itself only after more: one bad phone does not lock out its office', async () => {
    const d = deps();
    const office = '10.66.0.1';
    const fromOffice = (extension: string, authorization?: string) =>
      register(sipRequest(registerText(extension, authorization ? { authorization } : {}), office), d);
    const c = await challenge(d, office);
    for (let i = 0; i < BUDGETS.sourceExtension.points; i++)
      expect(await fromOffice(EXT, answer(c, { password: `guess number ${i}` }))).toEqual({ status: 403 });
    // That extension from that source is refused even with the right password; another phone of the office is not.
    expect(await fromOffice(EXT, answer(c))).toEqual({ status: 403 });
    expect((await fromOffice(OTHER, answer(c, { username: OTHER }))).status).toBe(200);
    // A scanner trying extension after extension reaches the source's budget: then every extension is refused.
    for (const guess of ['2460990', '2460991', '2460992']) await fromOffice(guess, answer(c, { username: guess }));
    expect(await fromOffice(OTHER, answer(c, { username: OTHER }))).toEqual({ status: 403 });
    expect(await fromOffice(OTHER)).toEqual({ status: 403 });
    // Counted in Redis, where every edge instance sees them.
    expect(await ctx.redis.exists(`${ctx.k.sipAuthFailures('source')}:${office}`)).toBe(1);
    expect(
      (await register(sipRequest(registerText(EXT, { authorization: answer(await challenge(d)) })), d)).status,
    ).toBe(200);
  });

  it('answers sent at once for one extension are checked no more often than its budget allows', async () => {
    let checked = 0;
    const base = deps();
    const d: RegistrarDeps = {
      ...base,
      credentials: async (ext) => {
        checked++;
        return base.credentials(ext);
      },
    };
    const source = '10.66.0.2';
    const c = await challenge(d, source);
    const guesses = Array.from({ length: 12 }, (_, i) =>
      register(sipRequest(registerText(EXT, { authorization: answer(c, { password: `guess ${i}` }) }), source), d),
    );
    expect((await Promise.all(guesses)).map((reply) => reply.status)).toEqual(Array(12).fill(403));
    // Each guess took its point before its answer was read: only the budget's worth were checked.
    expect(checked).toBe(BUDGETS.sourceExtension.points);
    // The right password from there is refused too, until the block ends; from another phone it is not.
    expect(await register(sipRequest(registerText(EXT, { authorization: answer(c) }), source), d)).toEqual({
      status: 403,
    });
    expect(
      (await register(sipRequest(registerText(EXT, { authorization: answer(await challenge(d)) })), d)).status,
    ).toBe(200);
  });

  it('an answer counts once: the same nonce count again is challenged afresh (no failure), from another address stale, for another Request-URI refused', async () => {
    const d = deps();
    const c = await challenge(d);
    const captured = answer(c);
    expect((await register(sipRequest(registerText(EXT, { authorization: captured })), d)).status).toBe(200);
    // Replayed as it was: the nonce count is used, in Redis until the nonce expires.
    const again = await register(sipRequest(registerText(EXT, { authorization: captured })), d);
    expect(again.status).toBe(401);
    expect(again.headers!['WWW-Authenticate']).not.toMatch(/stale/);
    const key = ctx.k.sipNonceCount(/nonce="([^"]+)"/.exec(c)![1]!, /nc=([0-9a-f]{8})/.exec(captured)![1]!);
    expect(await ctx.redis.pTTL(key)).toBeGreaterThan(NONCE_LIFETIME_MS - 5_000);
    // From another address: the nonce was not given there.
    const elsewhere = await register(sipRequest(registerText(EXT, { authorization: captured }), '10.20.9.9'), d);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers!['WWW-Authenticate']).toMatch(/stale=true$/);
    // For another Request-URI than the one it was computed for.
    const otherUri = registerText(EXT, { authorization: captured }).map((line, i) =>
      i === 0 ? 'REGISTER sip:10.0.0.1 SIP/2.0' : line,
    );
    expect(await register(sipRequest(otherUri), d)).toEqual({ status: 403 });
    // The phone itself goes on with its next count.
    expect((await register(sipRequest(registerText(EXT, { authorization: answer(c) })), d)).status).toBe(200);
  });

  it('refuses a digest without qop=auth (no nonce count, nothing against replay)', async () => {
    const d = deps();
    const c = await challenge(d);
    const nonce = /nonce="([^"]+)"/.exec(c)![1]!;
    const ha1 = md5(`${EXT}:regionvaxel:${PASSWORD}`);
    const response = md5(`${ha1}:${nonce}:${md5('REGISTER:sip:regionvaxel')}`);
    const rfc2069 = `Digest username="${EXT}", realm="regionvaxel", nonce="${nonce}", uri="sip:regionvaxel", response="${response}", algorithm=MD5`;
    expect(await register(sipRequest(registerText(EXT, { authorization: rfc2069 })), d)).toEqual({ status: 403 });
  });

  it('an old nonce, or one from an earlier process, is answered with a fresh challenge marked stale and counts as no failure; a forged one is refused', async () => {
    const d = deps();
    const c = await challenge(d);
    clock += NONCE_LIFETIME_MS + 1;
    const stale = await register(sipRequest(registerText(EXT, { authorization: answer(c) })), d);
    expect(stale.status).toBe(401);
    expect(stale.headers!['WWW-Authenticate']).toMatch(/stale=true$/);
    // A restarted edge (a new key): many phones answer with the old nonce at once, none is locked out.
    const restarted = deps({ key: Buffer.alloc(32, 7) });
    const old = await challenge(d);
    for (let i = 0; i < BUDGETS.source.points + 2; i++) {
      const reply = await register(sipRequest(registerText(EXT, { authorization: answer(old) })), restarted);
      expect(reply.headers!['WWW-Authenticate']).toMatch(/stale=true$/);
    }
    expect(
      (await register(sipRequest(registerText(EXT, { authorization: answer(await challenge(restarted)) })), restarted))
        .status,
    ).toBe(200);
    // Not our form at all: a failure.
    const forged = answer(c.replace(/nonce="[^"]+"/, `nonce="${clock.toString(36)}.AAAAAAAAAAAAAAAAAAAAAA"`));
    expect((await register(sipRequest(registerText(EXT, { authorization: forged })), d)).status).toBe(403);
  });
});

describe('failed authentication while Redis is down', () => {
  it('is still counted and refused in memory (the insurance), so the registrar keeps stopping guessers', async () => {
    const server = await startRedisServer();
    const redis = await connectRedis(server.url, { name: 'auth-failures' });
    const failures = createAuthFailures(redis, keys('test-insurance'), BUDGETS);
    await server.stop();
    await expect.poll(() => redis.isReady).toBe(false);
    try {
      for (let i = 0; i < BUDGETS.sourceExtension.points; i++)
        expect(await failures.attempt('10.66.0.9', EXT)).toBe(true);
      expect(await failures.attempt('10.66.0.9', EXT)).toBe(false);
      expect(await failures.attempt('10.66.0.9', OTHER)).toBe(true);
      expect(await failures.attempt('10.66.0.10', EXT)).toBe(true);
      for (let i = 0; i < BUDGETS.source.points; i++) await failures.failed('10.66.0.9');
      expect(await failures.blocked('10.66.0.9')).toBe(true);
      expect(await failures.blocked('10.66.0.10')).toBe(false);
    } finally {
      redis.destroy();
    }
  });
});

describe('digest header', () => {
  it('reads quoted and bare parameters and refuses what it does not support', () => {
    const ok = parseDigest(
      'Digest username="2460100",realm="regionvaxel",nonce="n",uri="sip:r",response="0123456789abcdef0123456789abcdef",algorithm=MD5,qop=auth,nc=0000000a,cnonce="x"',
    );
    expect(ok).toMatchObject({ username: '2460100', realm: 'regionvaxel', algorithm: 'MD5', nc: '0000000a' });
    // No qop: the old RFC 2069 form, which cannot be protected against replay.
    expect(
      parseDigest('Digest username="a", realm="r", nonce="n", uri="u", response="0123456789abcdef0123456789abcdef"'),
    ).toBeUndefined();
    expect(
      parseDigest('Digest username="a", realm="r", nonce="n", uri="u", response="00", algorithm=SHA-256'),
    ).toBeUndefined();
    expect(parseDigest('Basic YWxhZGRpbjpvcGVuc2VzYW1l')).toBeUndefined();
    // qop=auth without nc/cnonce cannot be verified.
    expect(
      parseDigest(
        'Digest username="a", realm="r", nonce="n", uri="u", response="0123456789abcdef0123456789abcdef", qop=auth',
      ),
    ).toBeUndefined();
  });
});
