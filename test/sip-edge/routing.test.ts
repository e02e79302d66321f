import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { localActor } from '../../src/auth/token-store.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { DEFAULT_DIAL_POLICY } from '../../src/dialling/dial-policy.js';
import { directNumberTarget } from '../../src/routing/direct-number-owner.js';
import { extensionOwner, routeCall } from '../../src/routing/route-call.js';
import { buildRoutingTable, tableLookup } from '../../src/routing/routing-table.js';
import { createMediaNodePool } from '../../src/sip-edge/media-nodes/media-node-pool.js';
import {
  type EdgeRoutingDeps,
  routeInvite,
  type TrunkRoute,
  trunkHeaders,
} from '../../src/sip-edge/routing/route-invite.js';
import { createScreen } from '../../src/sip-edge/security/screen.js';
import { sipHeaders } from '../../src/sip-edge/sip-request.js';
import { allowing, testDialling } from '../support/dialling.js';
import { useRedis } from '../support/redis.js';
import { inviteText, sipRequest } from './sip-text.js';

const region = await loadRegionConfig('config/region.yaml');
const lookup = tableLookup(buildRoutingTable(region));
const VANNAS_MAIN = '+4693514100';
const VANNAS = region.municipalities.find((m) => m.mainNumbers.includes(VANNAS_MAIN))!;
const DIRECT = '+4693514123';
/** A direct number of Vännäs forwarded to a mobile (a numbers entry with an external target). */
const FORWARDED = '+4693514150';
const MOBILE = '+46701234567';
const actor = localActor('routing test');

/**
 * Decisions on the real dial policy and daily caps (dialling/dialling-guard.ts on a real
 * redis-server, the shipped default policy until a test stores another); the directory is the
 * config's routing table, contacts and extensions a table.
 */
const ctx = useRedis();

function deps(
  over: Partial<EdgeRoutingDeps> & { healthy?: string[] } = {},
): EdgeRoutingDeps & { policies: ReturnType<typeof testDialling>['policies'] } {
  const media = createMediaNodePool(['ast-a:5060', 'ast-b:5060'], { now: () => 0 });
  for (const node of over.healthy ?? ['ast-a:5060', 'ast-b:5060']) media.answered(node);
  const { guard, policies } = testDialling(ctx);
  return {
    policies,
    findRoute: lookup,
    directNumberTarget: async (e164) =>
      e164 === DIRECT
        ? { kind: 'extension', extension: '2460123' }
        : e164 === FORWARDED
          ? { kind: 'external', number: MOBILE }
          : undefined,
    contacts: async (ext) => (ext === '2460123' ? ['sip:2460123@10.20.0.7:5060', 'sip:2460123@10.30.1.9:5060'] : []),
    absent: async () => false,
    extension: async (ext) =>
      ({ '2460123': { municipalityId: VANNAS.id, directNumber: DIRECT }, '2480100': { municipalityId: '2480' } })[ext],
    mainNumber: (id) => region.municipalities.find((m) => m.id === id)?.mainNumbers[0],
    dialling: guard,
    emergencyCallerId: async () => '+4693214000',
    media,
    trunkHost: 'carrier.example:5060',
    fallbackNumbers: ['+46701110001', '+46701110002'],
    ...over,
  };
}

/** The dialled number as the edge reads it from a drachtio-srf INVITE built from raw SIP text. */
const dialled = (number: string) => sipHeaders.dialled(sipRequest(inviteText(number)));

describe('routing an INVITE from the trunk', () => {
  it('sends a main number to a media node with the municipality and target, spreading calls round robin', async () => {
    const d = deps();
    const first = await routeInvite(dialled('0935-14100'.replace('-', '')), { from: 'trunk' }, d);
    expect(first).toEqual({
      kind: 'media',
      node: 'ast-a:5060',
      uri: `sip:${VANNAS_MAIN}@ast-a:5060`,
      headers: { 'X-Municipality': VANNAS.id, 'X-Target': 'queue', 'X-Reason': 'main-number' },
    });
    const second = await routeInvite(dialled(VANNAS_MAIN), { from: 'trunk' }, d);
    expect(second).toMatchObject({ kind: 'media', uri: `sip:${VANNAS_MAIN}@ast-b:5060` });
  });

  it('sends the regional number to the menu', async () => {
    const regional = region.region.regionalNumbers[0]!;
    expect(await routeInvite(dialled(regional), { from: 'trunk' }, deps())).toMatchObject({
      kind: 'media',
      headers: { 'X-Target': 'menu', 'X-Reason': 'regional-number' },
    });
  });

  it('rings every registered contact of a direct number, with the switchboard behind it', async () => {
    expect(await routeInvite(dialled(DIRECT), { from: 'trunk' }, deps())).toEqual({
      kind: 'contacts',
      extension: '2460123',
      uris: ['sip:2460123@10.20.0.7:5060', 'sip:2460123@10.30.1.9:5060'],
      unanswered: { municipalityId: VANNAS.id, calledNumber: DIRECT },
    });
  });

  it('sends a direct number whose extension has no phone registered straight to the switchboard', async () => {
    const route = await routeInvite(dialled(DIRECT), { from: 'trunk' }, deps({ contacts: async () => [] }));
    expect(route).toMatchObject({ kind: 'media', headers: { 'X-Reason': 'extension-not-registered' } });
  });

  it('sends a direct number whose person has a hänvisning in force to the switchboard, which says it: the phones do not ring', async () => {
    const asked: string[] = [];
    const route = await routeInvite(
      dialled(DIRECT),
      { from: 'trunk' },
      deps({
        absent: async (ext) => {
          asked.push(ext);
          return true;
        },
      }),
    );
    expect(asked).toEqual(['2460123']);
    expect(route).toMatchObject({
      kind: 'media',
      uri: expect.stringMatching(/^sip:\+4693514123@ast-[ab]:5060$/),
      headers: { 'X-Municipality': VANNAS.id, 'X-Target': 'queue', 'X-Reason': 'extension-absent' },
    });
  });

  it("refuses a number that is not the region's (404), and never dials out for the trunk", async () => {
    expect(await routeInvite(dialled('+46701234567'), { from: 'trunk' }, deps())).toEqual({
      kind: 'reject',
      status: 404,
    });
  });
});

describe('fallback: the switchboard keeps answering', () => {
  it('rings the fallback numbers through the trunk when no media node answers', async () => {
    expect(await routeInvite(dialled(VANNAS_MAIN), { from: 'trunk' }, deps({ healthy: [] }))).toEqual({
      kind: 'fallback',
      uris: ['sip:+46701110001@carrier.example:5060', 'sip:+46701110002@carrier.example:5060'],
    });
  });

  it('rings the fallback when Redis fails or does not answer in time', async () => {
    const broken = deps({ findRoute: async () => Promise.reject(new Error('ECONNREFUSED')) });
    expect(await routeInvite(dialled(VANNAS_MAIN), { from: 'trunk' }, broken)).toMatchObject({ kind: 'fallback' });
    const hanging = deps({ findRoute: () => new Promise(() => undefined), deadlineMs: 50 });
    expect(await routeInvite(dialled(VANNAS_MAIN), { from: 'trunk' }, hanging)).toMatchObject({ kind: 'fallback' });
  });

  it('answers 503 when there is no fallback to ring either', async () => {
    expect(
      await routeInvite(dialled(VANNAS_MAIN), { from: 'trunk' }, deps({ healthy: [], fallbackNumbers: [] })),
    ).toEqual({ kind: 'reject', status: 503 });
  });

  it('an unanswered direct call goes to a healthy node, or the fallback', async () => {
    const { toSwitchboard } = await import('../../src/sip-edge/routing/route-invite.js');
    const call = { municipalityId: VANNAS.id, calledNumber: DIRECT };
    expect(toSwitchboard(call, 'extension-busy', deps())).toMatchObject({
      kind: 'media',
      headers: { 'X-Reason': 'extension-busy' },
    });
    expect(toSwitchboard(call, 'extension-no-answer', deps({ healthy: [] }))).toMatchObject({ kind: 'fallback' });
  });
});

describe("calls from the region's phones", () => {
  const phone = { from: 'phone', extension: '2460123' } as const;
  const trunkTo = (uri: string, over: Partial<TrunkRoute> = {}) => ({
    kind: 'trunk',
    uri: `sip:${uri}@carrier.example:5060`,
    ...over,
  });

  it('an external number the policy allows leaves through the trunk as E.164, with the direct number, else the main number, and is counted', async () => {
    expect(await routeInvite(dialled('0701234567'), phone, deps())).toEqual(
      trunkTo(MOBILE, {
        numberClass: 'mobile',
        callerId: DIRECT,
        admitted: { municipalityId: VANNAS.id, extension: '2460123' },
      }),
    );
    const umea = await routeInvite(dialled('0701234567'), { from: 'phone', extension: '2480100' }, deps());
    expect(umea).toMatchObject({
      kind: 'trunk',
      callerId: region.municipalities.find((m) => m.id === '2480')!.mainNumbers[0],
      admitted: { municipalityId: '2480' },
    });
    // Counted against the extension's cap of the (Stockholm) day: Vännäs's extension once.
    const today = DateTime.now().setZone('Europe/Stockholm').toISODate()!;
    expect(await ctx.redis.hGet(ctx.k.dialCap('2460123', today), 'calls')).toBe('1');
  });

  it("refuses what the municipality's policy does not allow (premium, satellite, international by default): 403 with the class", async () => {
    for (const [number, numberClass] of [
      ['0900-123 45 67', 'premium'],
      ['0939-123 456', 'premium'],
      ['+881631234567', 'satellite'],
      ['00442079460000', 'international-europe'],
    ] as const) {
      const route = await routeInvite(dialled(number.replace(/[\s-]/g, '')), phone, deps());
      expect(route).toMatchObject({ kind: 'reject', status: 403, refusal: { numberClass } });
    }
    // An admin allowing premium numbers for extensions makes 0900 go out.
    const d = deps();
    await d.policies.update(
      VANNAS.id,
      0,
      { allow: allowing({ extension: [...DEFAULT_DIAL_POLICY.allow.extension, 'premium'] }) },
      actor,
    );
    expect(await routeInvite(dialled('09001234567'), phone, d)).toMatchObject({
      kind: 'trunk',
      uri: 'sip:+469001234567@carrier.example:5060',
      numberClass: 'premium',
    });
  });

  it("past the extension's daily cap external calls are refused, but never 112 or a short number", async () => {
    const d = deps();
    await d.policies.update(VANNAS.id, 0, { extensionDailyCap: { calls: 1, minutes: 600 } }, actor);
    expect(await routeInvite(dialled('0701234567'), phone, d)).toMatchObject({ kind: 'trunk' });
    expect(await routeInvite(dialled('0701234567'), phone, d)).toMatchObject({
      kind: 'reject',
      status: 403,
      refusal: { numberClass: 'mobile', reason: expect.stringMatching(/daily cap of calls/) },
    });
    expect(await routeInvite(dialled('1177'), phone, d)).toMatchObject({
      kind: 'trunk',
      uri: 'sip:1177@carrier.example:5060',
    });
    expect(await routeInvite(dialled('112'), phone, d)).toMatchObject({
      kind: 'trunk',
      uri: 'sip:112@carrier.example:5060',
    });
  });

  it("national short numbers go out as dialled (never taken for extensions), with the phone's caller ID, even with Redis stuck", async () => {
    for (const [number, dial] of [
      ['1177', '1177'],
      ['11414', '11414'],
      ['11313', '11313'],
      ['116000', '116000'],
      ['+461177', '1177'],
    ] as const) {
      expect(await routeInvite(dialled(number), phone, deps())).toEqual(
        trunkTo(dial, { numberClass: 'short-service', callerId: DIRECT }),
      );
    }
    const stuck = deps({
      extension: () => new Promise(() => undefined),
      dialling: {
        decide: () => Promise.reject(new Error('down')),
        admitExtensionCall: () => Promise.reject(new Error('down')),
      },
    });
    expect(await routeInvite(dialled('11414'), phone, stuck)).toEqual(
      trunkTo('11414', { numberClass: 'short-service' }),
    );
  });

  it("what is no number at all is 404; a Redis failure on a phone's own call is 503, not the citizens' fallback", async () => {
    expect(await routeInvite(dialled('0701'), phone, deps())).toEqual({ kind: 'reject', status: 404 });
    const down = deps({ findRoute: async () => Promise.reject(new Error('ECONNREFUSED')) });
    expect(await routeInvite(dialled('0701234567'), phone, down)).toEqual({ kind: 'reject', status: 503 });
  });

  it('an extension in another municipality rings its contacts; unknown 404, unregistered 480', async () => {
    const fromUmea = { from: 'phone', extension: '2480100' } as const;
    expect(await routeInvite(dialled('2460123'), fromUmea, deps())).toMatchObject({
      kind: 'contacts',
      extension: '2460123',
      uris: expect.any(Array),
    });
    expect(await routeInvite(dialled('2460999'), fromUmea, deps())).toEqual({ kind: 'reject', status: 404 });
    expect(await routeInvite(dialled('2480100'), phone, deps())).toEqual({ kind: 'reject', status: 480 });
  });

  it('112 reaches the trunk whatever else fails: Redis down, no media node, no fallback, no credentials', async () => {
    const everythingDown = deps({
      findRoute: async () => Promise.reject(new Error('down')),
      extension: () => new Promise(() => undefined),
      contacts: async () => Promise.reject(new Error('down')),
      emergencyCallerId: async () => Promise.reject(new Error('down')),
      healthy: [],
      fallbackNumbers: [],
    });
    expect(await routeInvite(dialled('112'), phone, everythingDown)).toEqual(
      trunkTo('112', { numberClass: 'emergency' }),
    );
    expect(await routeInvite(dialled('112'), phone, deps())).toEqual(
      trunkTo('112', { numberClass: 'emergency', callerId: DIRECT }),
    );
    // Without credentials, from a phone network: the caller ID the emergency look-up gives (emergency-caller-id.ts).
    const unauthenticated = { from: 'phone-network', at: { address: '10.24.96.7', port: 5060 } } as const;
    for (const number of ['112', '+46112', '0046112', '90000']) {
      expect(await routeInvite(dialled(number), unauthenticated, deps())).toEqual(
        trunkTo('112', { numberClass: 'emergency', callerId: '+4693214000' }),
      );
    }
    // Nothing else goes anywhere without credentials.
    expect(await routeInvite(dialled('1177'), unauthenticated, deps())).toEqual({ kind: 'reject', status: 403 });
  });
});

describe('a direct number forwarded to an external number', () => {
  it('leaves through the trunk under the forwarded policy: the forwarding number asserted and in Diversion, the caller kept in From', async () => {
    const route = await routeInvite(dialled(FORWARDED), { from: 'trunk' }, deps());
    expect(route).toEqual({
      kind: 'trunk',
      uri: `sip:${MOBILE}@carrier.example:5060`,
      numberClass: 'mobile',
      forwarded: { from: FORWARDED, call: { municipalityId: VANNAS.id, calledNumber: FORWARDED } },
    });
    expect(trunkHeaders(route as TrunkRoute, 'regionvaxel')).toEqual({
      'P-Asserted-Identity': `<sip:${FORWARDED}@regionvaxel>`,
      Diversion: `<sip:${FORWARDED}@regionvaxel>;reason=unconditional;counter=1`,
    });
    // A phone's own call out shows its caller ID in both.
    expect(
      trunkHeaders({ kind: 'trunk', uri: 'sip:x@y', numberClass: 'mobile', callerId: DIRECT }, 'regionvaxel'),
    ).toEqual({
      From: `<sip:${DIRECT}@regionvaxel>`,
      'P-Asserted-Identity': `<sip:${DIRECT}@regionvaxel>`,
    });
  });

  it('once the policy no longer allows the target, the citizen reaches the switchboard instead, saying why', async () => {
    const d = deps();
    await d.policies.update(VANNAS.id, 0, { allow: allowing({ forwarded: ['regional'] }) }, actor);
    expect(await routeInvite(dialled(FORWARDED), { from: 'trunk' }, d)).toEqual({
      kind: 'media',
      node: 'ast-a:5060',
      uri: `sip:${FORWARDED}@ast-a:5060`,
      headers: { 'X-Municipality': VANNAS.id, 'X-Target': 'queue', 'X-Reason': 'forward-refused' },
    });
    // No trunk to forward through: the switchboard as well.
    expect(await routeInvite(dialled(FORWARDED), { from: 'trunk' }, deps({ trunkHost: undefined }))).toMatchObject({
      kind: 'media',
      headers: { 'X-Reason': 'forward-refused' },
    });
  });

  it('on the Asterisk side (routeCall with the stored numbers) a forwarded number still goes to the queue, as before', async () => {
    const audit = createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 });
    const admin = createAdminStores(ctx.redis, ctx.k, audit, region);
    await admin.numbers.create(
      { number: FORWARDED, municipalityId: VANNAS.id, target: { kind: 'external', number: MOBILE } },
      actor,
    );
    expect(await directNumberTarget(ctx.redis, ctx.k, admin)(FORWARDED)).toEqual({ kind: 'external', number: MOBILE });
    expect(await routeCall(FORWARDED, lookup, extensionOwner(directNumberTarget(ctx.redis, ctx.k, admin)))).toEqual({
      action: 'queue',
      municipalityId: VANNAS.id,
      calledNumber: FORWARDED,
      reason: 'unassigned-direct-number',
    });
  });
});

describe('screening requests by source and user agent', () => {
  const screen = createScreen({ trunk: ['192.0.2.10', '198.51.100.0/28'], phones: ['10.20.0.0/16'] });
  const check = (source: string, userAgent: string) => {
    const req = sipRequest(inviteText(VANNAS_MAIN, { userAgent }), source);
    return screen(req.source_address, sipHeaders.userAgent(req));
  };

  it('drops known scanners silently, wherever they come from', () => {
    for (const ua of ['friendly-scanner', 'sipvicious 0.3', 'sipcli/v1.8', 'VaxSIPUserAgent/3.1'])
      expect(check('10.20.0.5', ua)).toBe('drop');
  });

  it('tells the trunk from phones, and forbids everyone else', () => {
    expect(check('192.0.2.10', 'carrier-sbc')).toBe('trunk');
    expect(check('198.51.100.7', 'carrier-sbc')).toBe('trunk');
    expect(check('10.20.3.4', 'Yealink')).toBe('phone');
    expect(check('203.0.113.9', 'Yealink')).toBe('forbidden');
  });
});

describe('media node health', () => {
  it('takes a node that stops answering out of rotation within 5 s and brings it back at its next answer', () => {
    let now = 0;
    const pool = createMediaNodePool(['a', 'b'], { now: () => now });
    const ping = (...nodes: string[]) => nodes.forEach((n) => pool.answered(n));
    ping('a', 'b');
    expect([pool.next(), pool.next()].sort()).toEqual(['a', 'b']);
    // b stops answering; a answers every second.
    for (now = 1_000; now <= 5_000; now += 1_000) ping('a');
    expect(pool.state()).toEqual([
      { node: 'a', healthy: true },
      { node: 'b', healthy: false },
    ]);
    expect([pool.next(), pool.next(), pool.next()]).toEqual(['a', 'a', 'a']);
    ping('b');
    expect(new Set([pool.next(), pool.next()])).toEqual(new Set(['a', 'b']));
    // A node that refused the call (draining) is passed over for it; none left, none.
    expect([pool.next(['a']), pool.next(['a'])]).toEqual(['b', 'b']);
    expect(pool.next(['a', 'b'])).toBeUndefined();
  });
});
