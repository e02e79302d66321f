import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sipDigestHa1 } from '../../src/admin/extensions.js';
import { localActor } from '../../src/auth/token-store.js';
import { readEnv } from '../../src/config/env.js';
import { createContactStore } from '../../src/extensions/contact-store.js';
import type { EdgeDialog, EdgeRequest, EdgeResponse, EdgeSrf } from '../../src/sip-edge/drachtio.js';
import { type SipEdgeServices, startSipEdge } from '../../src/sip-edge/edge.js';
import { MEDIA_NODE_TIMING } from '../../src/sip-edge/media-nodes/media-node-pool.js';
import { createAuthFailures } from '../../src/sip-edge/security/auth-failures.js';
import { createNonceCounts } from '../../src/sip-edge/security/nonce-counts.js';
import { type SipEdgeSettings, sipEdgeSettings } from '../../src/sip-edge/settings.js';
import { allowing, shippedRegion, testDialling } from '../support/dialling.js';
import { useRedis } from '../support/redis.js';
import { inviteText, registerText, sipRequest } from './sip-text.js';

/**
 * The edge's wiring (edge.ts) on a stand-in for drachtio-srf: requests are drachtio-srf's own,
 * parsed from raw SIP text; what the edge sends, proxies and dials is recorded. Behind it the
 * real stores on a real redis-server: contacts, nonce counts, failures, the dial policy.
 */
type Handler = (req: EdgeRequest, res: EdgeResponse) => void | Promise<void>;
interface Sent {
  status: number;
  headers: Record<string, string>;
}

/** A dialog of the stand-in: `hangUp()` ends it as the far side would. */
function leg(): EdgeDialog & { hangUp(): void } {
  const listeners: (() => void)[] = [];
  return {
    remote: { sdp: 'v=0' },
    destroy: async () => undefined,
    on: (_event, listener) => void listeners.push(listener),
    hangUp: () => listeners.forEach((l) => l()),
  };
}

function fakeSrf({
  uacFails = 486,
  mediaFails,
  trunkFails,
}: {
  uacFails?: number;
  /** The status every media node refuses calls with, or per node ('ast-a:5080' → 503). */
  mediaFails?: number | Record<string, number>;
  trunkFails?: number;
} = {}) {
  const handlers: Record<string, Handler> = {};
  const listeners: Record<string, ((err: unknown, detail: string) => void)[]> = {};
  const b2bua: { uri: string; headers: Record<string, string> }[] = [];
  const answered: ReturnType<typeof leg>[] = [];
  const uac: string[] = [];
  const uacFrom: string[] = [];
  const srf: EdgeSrf = {
    connect: () => undefined,
    disconnect: () => undefined,
    on: (event: string, listener: (err: unknown, detail: string) => void) =>
      void (listeners[event] ??= []).push(listener),
    options: (h) => void (handlers.options = h),
    register: (h) => void (handlers.register = h),
    invite: (h) => void (handlers.invite = h),
    // Every media node answers its OPTIONS ping.
    request: (_uri, _opts, callback) => callback(null, { on: (_event, listener) => listener({ status: 200 }) }),
    createUAC: async (uri, opts) => {
      uac.push(uri);
      uacFrom.push(opts.headers.From ?? '');
      throw Object.assign(new Error('busy'), { status: uacFails });
    },
    createUAS: async () => leg(),
    createB2BUA: async (_req, _res, uri, opts) => {
      b2bua.push({ uri, headers: opts.headers });
      const toMedia = uri.includes('@ast-');
      const byNode = typeof mediaFails === 'object' ? mediaFails[uri.slice(uri.indexOf('@') + 1)] : mediaFails;
      const fails = toMedia ? byNode : trunkFails;
      if (fails) throw Object.assign(new Error('refused'), { status: fails });
      const legs = { uas: leg(), uac: leg() };
      answered.push(legs.uac);
      return legs;
    },
  };
  return {
    srf,
    handlers,
    b2bua,
    answered,
    uac,
    uacFrom,
    connect: () => listeners.connect?.forEach((l) => l(null, '127.0.0.1:9022')),
  };
}

async function deliver(
  handler: Handler | undefined,
  lines: string[],
  source: string,
  options: { port?: number; protocol?: string } = {},
): Promise<Sent[]> {
  const sent: Sent[] = [];
  const req = Object.assign(sipRequest(lines, source, options), { body: 'v=0', on: () => undefined }) as EdgeRequest;
  await handler!(req, { send: (status, opts) => void sent.push({ status, headers: opts.headers }) });
  return sent;
}
const statuses = (sent: Sent[]) => sent.map((s) => s.status);

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const PASSWORD = 'correct horse battery';
const PHONE = '10.20.0.5';
const DIRECT = '+4693514123';
const FORWARDED = '+4693514150';
const MOBILE = '+46701234567';
const BJURHOLM_MAIN = '+4693214000';
let nc = 0;

/** The Proxy-Authorization a phone knowing the password sends for an INVITE to `dialled` (RFC 2617, qop=auth). */
function proxyAuthorization(challenge: string, dialled: string, extension = '2460123'): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
  const uri = `sip:${dialled}@edge.regionvaxel`;
  const count = (++nc).toString(16).padStart(8, '0');
  const response = md5(
    `${md5(`${extension}:regionvaxel:${PASSWORD}`)}:${nonce}:${count}:feed:auth:${md5(`INVITE:${uri}`)}`,
  );
  return `Digest username="${extension}", realm="regionvaxel", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${count}, cnonce="feed"`;
}

const settings: SipEdgeSettings = {
  drachtio: { host: '127.0.0.1', port: 9022, secret: 'x' },
  realm: 'regionvaxel',
  trunkSources: ['192.0.2.10'],
  phoneNetworks: ['10.20.0.0/16', '10.24.96.0/20'],
  mediaNodes: ['ast-a:5080'],
  trunkHost: 'carrier.example:5060',
  fallbackNumbers: ['+46701110001'],
  phonesRequireTls: false,
};

describe('the SIP edge wired to drachtio-srf', () => {
  const ctx = useRedis();
  let ended: [string, string, number][];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'], now: Date.now() });
    ended = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function services(): SipEdgeServices & { policies: ReturnType<typeof testDialling>['policies'] } {
    const { guard, policies } = testDialling(ctx);
    return {
      policies,
      findRoute: async (e164) =>
        e164 === '+4693514100'
          ? { kind: 'main-number', municipalityId: '2460' }
          : [DIRECT, FORWARDED].includes(e164)
            ? { kind: 'direct-dial', municipalityId: '2460' }
            : undefined,
      directNumberTarget: async (e164) =>
        e164 === DIRECT
          ? { kind: 'extension', extension: '2460123' }
          : e164 === FORWARDED
            ? { kind: 'external', number: MOBILE }
            : undefined,
      extension: async (ext) => (ext === '2460123' ? { municipalityId: '2460', directNumber: DIRECT } : undefined),
      mainNumber: (id) => shippedRegion.municipalities.find((m) => m.id === id)?.mainNumbers[0],
      credentials: async (ext) =>
        ext === '2460123'
          ? { username: ext, realm: 'regionvaxel', ha1: sipDigestHa1(ext, 'regionvaxel', PASSWORD) }
          : undefined,
      contacts: createContactStore(ctx.redis, ctx.k),
      absent: async () => false,
      // The real guard; the edge telling it that a call ended is kept to be looked at too.
      dialling: {
        ...guard,
        recordExtensionCallEnded: async (...call) => {
          ended.push(call);
          await guard.recordExtensionCallEnded(...call);
        },
      },
      nonceCounts: createNonceCounts(ctx.redis, ctx.k),
      authFailures: createAuthFailures(ctx.redis, ctx.k),
      region: shippedRegion,
      ringMs: 20_000,
    };
  }

  function started(
    options?: Parameters<typeof fakeSrf>[0],
    over: Partial<SipEdgeSettings> = {},
    { pinged = true } = {},
  ) {
    const fake = fakeSrf(options);
    const deps = services();
    const edge = startSipEdge({ ...settings, ...over }, deps, fake.srf);
    fake.connect();
    if (pinged) vi.advanceTimersByTime(MEDIA_NODE_TIMING.pingEveryMs);
    return { ...fake, deps, edge };
  }

  /** A phone's INVITE through the digest challenge: what the edge answers the authenticated request. */
  async function phoneCalls(handler: Handler | undefined, dialled: string): Promise<Sent[]> {
    const [challenge] = await deliver(handler, inviteText(dialled, { from: '2460123' }), PHONE);
    expect(challenge?.status).toBe(407);
    return deliver(
      handler,
      inviteText(dialled, {
        from: '2460123',
        proxyAuthorization: proxyAuthorization(challenge!.headers['Proxy-Authenticate']!, dialled),
      }),
      PHONE,
    );
  }

  it('reports drachtio connected and the media node healthy once it answers a ping', async () => {
    const { edge } = started();
    await vi.waitFor(() => expect(edge.state().connected).toBe(true));
    expect(edge.state()).toEqual({ connected: true, mediaNodes: [{ node: 'ast-a:5080', healthy: true }] });
    edge.stop();
  });

  it('drops scanners without an answer, refuses strangers with a bare 403, answers OPTIONS from phones', async () => {
    const { handlers, edge } = started();
    expect(await deliver(handlers.register, registerText('2460100', { userAgent: 'friendly-scanner' }), PHONE)).toEqual(
      [],
    );
    expect(
      await deliver(handlers.invite, inviteText('+4693514100', { userAgent: 'sipvicious' }), '192.0.2.10'),
    ).toEqual([]);
    expect(await deliver(handlers.invite, inviteText('+4693514100'), '203.0.113.9')).toEqual([
      { status: 403, headers: {} },
    ]);
    expect(
      statuses(
        await deliver(
          handlers.options,
          [
            'OPTIONS sip:edge SIP/2.0',
            'Via: SIP/2.0/UDP 10.20.0.5;branch=z9hG4bK1',
            'From: <sip:p@x>;tag=1',
            'To: <sip:edge>',
            'Call-ID: o1',
            'CSeq: 1 OPTIONS',
          ],
          PHONE,
        ),
      ),
    ).toEqual([200]);
    edge.stop();
  });

  it('sends a trunk call to a main number to the healthy media node with its headers', async () => {
    const { handlers, b2bua, edge } = started();
    await deliver(handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(b2bua).toEqual([
      {
        uri: 'sip:+4693514100@ast-a:5080',
        headers: { 'X-Municipality': '2460', 'X-Target': 'queue', 'X-Reason': 'main-number' },
      },
    ]);
    edge.stop();
  });

  it("rings a direct number's phone, and on busy sends the call to the switchboard saying so", async () => {
    const { handlers, b2bua, uac, uacFrom, edge, deps } = started({ uacFails: 486 });
    await deps.contacts.bind('2460123', 'sip:2460123@10.20.0.7:5060', 600);
    await deliver(handlers.invite, inviteText(DIRECT), '192.0.2.10');
    expect(uac).toEqual(['sip:2460123@10.20.0.7:5060']);
    // The phone sees who calls, in a dialog of its own (the caller's tag is not reused).
    expect(uacFrom).toEqual(['<sip:+46701234567@carrier>']);
    expect(b2bua).toEqual([
      {
        uri: `sip:${DIRECT}@ast-a:5080`,
        headers: { 'X-Municipality': '2460', 'X-Target': 'queue', 'X-Reason': 'extension-busy' },
      },
    ]);
    edge.stop();
  });

  it('when the media node refuses the call (it died between pings), rings the fallback numbers', async () => {
    const { handlers, b2bua, uac, edge } = started({ mediaFails: 503 });
    await deliver(handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(b2bua.map((b) => b.uri)).toEqual(['sip:+4693514100@ast-a:5080']);
    expect(uac).toEqual(['sip:+46701110001@carrier.example:5060']);
    edge.stop();
  });

  it('when a media node refuses the call with 503 (its instance drains), the next healthy node takes it; the fallback only when every node refused', async () => {
    const nodes = { mediaNodes: ['ast-a:5080', 'ast-b:5080', 'ast-c:5080'] };
    const draining = started({ mediaFails: { 'ast-a:5080': 503 } }, nodes);
    // Round robin starts at ast-a: it refuses, another takes the call.
    const sent = await deliver(draining.handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    const [refused, taken] = draining.b2bua.map((b) => b.uri);
    expect(draining.b2bua).toHaveLength(2);
    expect(refused).toBe('sip:+4693514100@ast-a:5080');
    expect(taken).toMatch(/^sip:\+4693514100@ast-[bc]:5080$/);
    expect(draining.b2bua[1]!.headers).toEqual(draining.b2bua[0]!.headers);
    expect(draining.answered).toHaveLength(1);
    expect(sent).toEqual([]);
    draining.edge.stop();

    const all = started({ mediaFails: 503 }, nodes);
    await deliver(all.handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(all.b2bua.map((b) => b.uri.split('@')[1]).sort()).toEqual(['ast-a:5080', 'ast-b:5080', 'ast-c:5080']);
    expect(all.uac).toEqual(['sip:+46701110001@carrier.example:5060']);
    all.edge.stop();
  });

  it('when the media node refuses the call at capacity (busy) and no fallback number is set, answers 503 with Retry-After', async () => {
    const { handlers, b2bua, uac, edge } = started({ mediaFails: 486 }, { fallbackNumbers: [] });
    const sent = await deliver(handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(b2bua.map((b) => b.uri)).toEqual(['sip:+4693514100@ast-a:5080']);
    expect(uac).toEqual([]);
    expect(sent).toEqual([{ status: 503, headers: { 'Retry-After': '10' } }]);
    edge.stop();
  });

  it("sends a phone's feature code with its extension as X-Extension, and a refused one fails without ringing the fallback numbers", async () => {
    const { handlers, b2bua, edge } = started();
    await phoneCalls(handlers.invite, '*21*1400%23');
    expect(b2bua).toEqual([{ uri: 'sip:*21*1400%23@ast-a:5080', headers: { 'X-Extension': '2460123' } }]);
    edge.stop();

    const refusing = started({ mediaFails: 486 });
    const sent = await phoneCalls(refusing.handlers.invite, '%2321%23');
    expect(refusing.b2bua.map((b) => b.uri)).toEqual(['sip:%2321%23@ast-a:5080']);
    expect(refusing.uac).toEqual([]);
    expect(sent).toEqual([{ status: 503, headers: { 'Retry-After': '10' } }]);
    refusing.edge.stop();
  });

  it('without a healthy media node, rings the fallback numbers instead of failing the call', async () => {
    const { handlers, uac, edge } = started({}, {}, { pinged: false });
    // No ping has been answered yet: no node is healthy.
    const sent = await deliver(handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(uac).toEqual(['sip:+46701110001@carrier.example:5060']);
    expect(statuses(sent)).toEqual([503]); // the fake fallback phone was busy too
    edge.stop();
  });

  it("a phone's external call leaves with its caller ID and, when it ends, its talk time counts against the daily cap", async () => {
    const { handlers, b2bua, answered, edge } = started();
    await phoneCalls(handlers.invite, '0701234567');
    expect(b2bua).toEqual([
      {
        uri: `sip:${MOBILE}@carrier.example:5060`,
        headers: { From: `<sip:${DIRECT}@regionvaxel>`, 'P-Asserted-Identity': `<sip:${DIRECT}@regionvaxel>` },
      },
    ]);
    // The minutes count on the day the call began (a call over midnight is that day's).
    const callDay = DateTime.now().setZone('Europe/Stockholm').toISODate()!;
    vi.setSystemTime(Date.now() + 90_000);
    answered[0]!.hangUp();
    expect(ended).toEqual([['2460', '2460123', 90]]);
    await vi.waitFor(async () =>
      expect(await ctx.redis.hGetAll(ctx.k.dialCap('2460123', callDay))).toMatchObject({ calls: '1', minutes: '2' }),
    );
    edge.stop();
  });

  it('0900 from an extension gets a bare 403; 1177 goes out through the trunk as dialled', async () => {
    const { handlers, b2bua, edge } = started();
    expect(await phoneCalls(handlers.invite, '09001234567')).toEqual([{ status: 403, headers: {} }]);
    expect(b2bua).toEqual([]);
    await phoneCalls(handlers.invite, '1177');
    expect(b2bua.map((b) => b.uri)).toEqual(['sip:1177@carrier.example:5060']);
    edge.stop();
  });

  it("112 goes to the trunk without credentials, showing the registered phone's direct number, else its network's main number, else the default municipality's", async () => {
    const { handlers, b2bua, edge, deps } = started();
    await deps.contacts.bind('2460123', `sip:2460123@${PHONE}:5062`, 600);
    expect(await deliver(handlers.invite, inviteText('112', { from: '2460123' }), PHONE, { port: 5062 })).toEqual([]);
    await deliver(handlers.invite, inviteText('112', { from: '2460999' }), '10.24.96.44', { port: 5060 });
    await deliver(handlers.invite, inviteText('112', { from: '2460999' }), '10.20.3.3', { port: 5060 });
    const shown = (number: string) => ({
      uri: 'sip:112@carrier.example:5060',
      headers: { From: `<sip:${number}@regionvaxel>`, 'P-Asserted-Identity': `<sip:${number}@regionvaxel>` },
    });
    expect(b2bua).toEqual([shown(DIRECT), shown('+4693514100'), shown(BJURHOLM_MAIN)]);
    edge.stop();
  });

  it('forwards a direct number set to an external number through the trunk; refused by policy, or not answered, the switchboard takes it', async () => {
    const { handlers, b2bua, edge, deps } = started({ trunkFails: 480 });
    await deliver(handlers.invite, inviteText(FORWARDED), '192.0.2.10');
    expect(b2bua).toEqual([
      {
        uri: `sip:${MOBILE}@carrier.example:5060`,
        headers: {
          'P-Asserted-Identity': `<sip:${FORWARDED}@regionvaxel>`,
          Diversion: `<sip:${FORWARDED}@regionvaxel>;reason=unconditional;counter=1`,
        },
      },
      {
        uri: `sip:${FORWARDED}@ast-a:5080`,
        headers: { 'X-Municipality': '2460', 'X-Target': 'queue', 'X-Reason': 'forward-failed' },
      },
    ]);
    await deps.policies.update('2460', 0, { allow: allowing({ forwarded: ['regional'] }) }, localActor('edge test'));
    b2bua.length = 0;
    await deliver(handlers.invite, inviteText(FORWARDED), '192.0.2.10');
    expect(b2bua).toEqual([
      {
        uri: `sip:${FORWARDED}@ast-a:5080`,
        headers: { 'X-Municipality': '2460', 'X-Target': 'queue', 'X-Reason': 'forward-refused' },
      },
    ]);
    edge.stop();
  });

  it("with SIP_PHONES_REQUIRE_TLS, phones' REGISTER and INVITE over UDP are refused (403), over TLS challenged; 112 goes through anyway", async () => {
    const { handlers, b2bua, edge } = started({}, { phonesRequireTls: true });
    expect(statuses(await deliver(handlers.register, registerText('2460123'), PHONE))).toEqual([403]);
    expect(statuses(await deliver(handlers.invite, inviteText('0701234567', { from: '2460123' }), PHONE))).toEqual([
      403,
    ]);
    expect(
      statuses(await deliver(handlers.register, registerText('2460123'), PHONE, { protocol: 'tls', port: 40001 })),
    ).toEqual([401]);
    expect(
      statuses(
        await deliver(handlers.invite, inviteText('0701234567', { from: '2460123' }), PHONE, {
          protocol: 'tls',
          port: 40001,
        }),
      ),
    ).toEqual([407]);
    await deliver(handlers.invite, inviteText('112'), PHONE);
    expect(b2bua.map((b) => b.uri)).toEqual(['sip:112@carrier.example:5060']);
    edge.stop();
  });

  it('reads SIP_PHONES_REQUIRE_TLS from the environment, off unless set', () => {
    const drachtio = { DRACHTIO_HOST: '127.0.0.1', DRACHTIO_PORT: '9022', DRACHTIO_SECRET: 'x' };
    expect(sipEdgeSettings(readEnv(drachtio))?.phonesRequireTls).toBe(false);
    expect(sipEdgeSettings(readEnv({ ...drachtio, SIP_PHONES_REQUIRE_TLS: 'true' }))?.phonesRequireTls).toBe(true);
    expect(() => readEnv({ ...drachtio, SIP_PHONES_REQUIRE_TLS: 'sometimes' })).toThrow(
      /SIP_PHONES_REQUIRE_TLS: must be true or false/,
    );
  });
});
