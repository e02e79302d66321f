import { describe, expect, it } from 'vitest';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { buildRoutingTable, tableLookup } from '../../src/routing/routing-table.js';
import { createMediaNodePool } from '../../src/sip-edge/media-nodes/media-node-pool.js';
import { type EdgeRoutingDeps, routeInvite } from '../../src/sip-edge/routing/route-invite.js';
import { createScreen } from '../../src/sip-edge/security/screen.js';
import { sipHeaders } from '../../src/sip-edge/sip-request.js';
import { inviteText, sipRequest } from './sip-text.js';

const region = await loadRegionConfig('config/region.yaml');
const lookup = tableLookup(buildRoutingTable(region));
const VANNAS_MAIN = '+4693514100';
const VANNAS = region.municipalities.find((m) => m.mainNumbers.includes(VANNAS_MAIN))!;
const DIRECT = '+4693514123';

function deps(over: Partial<EdgeRoutingDeps> & { healthy?: string[] } = {}): EdgeRoutingDeps {
  const media = createMediaNodePool(['ast-a:5060', 'ast-b:5060'], { now: () => 0 });
  for (const node of over.healthy ?? ['ast-a:5060', 'ast-b:5060']) media.answered(node);
  return {
    findRoute: lookup,
    directNumberOwner: async (e164) => (e164 === DIRECT ? '2460123' : undefined),
    contacts: async (ext) => (ext === '2460123' ? ['sip:2460123@10.20.0.7:5060', 'sip:2460123@10.30.1.9:5060'] : []),
    extension: async (ext) => ({ '2460123': { municipalityId: VANNAS.id, directNumber: DIRECT }, '2480100': { municipalityId: '2480' } })[ext],
    mainNumber: (id) => region.municipalities.find((m) => m.id === id)?.mainNumbers[0],
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
    expect(first).toEqual({ kind: 'media', uri: `sip:${VANNAS_MAIN}@ast-a:5060`, headers: { 'X-Municipality': VANNAS.id, 'X-Target': 'queue', 'X-Reason': 'main-number' } });
    const second = await routeInvite(dialled(VANNAS_MAIN), { from: 'trunk' }, d);
    expect(second).toMatchObject({ kind: 'media', uri: `sip:${VANNAS_MAIN}@ast-b:5060` });
  });

  it('sends the regional number to the menu', async () => {
    const regional = region.region.regionalNumbers[0]!;
    expect(await routeInvite(dialled(regional), { from: 'trunk' }, deps())).toMatchObject({ kind: 'media', headers: { 'X-Target': 'menu', 'X-Reason': 'regional-number' } });
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

  it('refuses a number that is not the region\'s (404), and never dials out for the trunk', async () => {
    expect(await routeInvite(dialled('+46701234567'), { from: 'trunk' }, deps())).toEqual({ kind: 'reject', status: 404 });
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
    expect(await routeInvite(dialled(VANNAS_MAIN), { from: 'trunk' }, deps({ healthy: [], fallbackNumbers: [] }))).toEqual({ kind: 'reject', status: 503 });
  });

  it('an unanswered direct call goes to a healthy node, or the fallback', async () => {
    const { toSwitchboard } = await import('../../src/sip-edge/routing/route-invite.js');
    const call = { municipalityId: VANNAS.id, calledNumber: DIRECT };
    expect(toSwitchboard(call, 'extension-busy', deps())).toMatchObject({ kind: 'media', headers: { 'X-Reason': 'extension-busy' } });
    expect(toSwitchboard(call, 'extension-no-answer', deps({ healthy: [] }))).toMatchObject({ kind: 'fallback' });
  });
});

describe('calls from the region\'s phones', () => {
  const phone = { from: 'phone', extension: '2460123' } as const;

  it('an external number leaves through the trunk with the extension\'s direct number, else its municipality\'s main number', async () => {
    expect(await routeInvite(dialled('0701234567'), phone, deps())).toEqual({ kind: 'trunk', uri: 'sip:+46701234567@carrier.example:5060', callerId: DIRECT });
    const umea = await routeInvite(dialled('0701234567'), { from: 'phone', extension: '2480100' }, deps());
    expect(umea).toEqual({ kind: 'trunk', uri: 'sip:+46701234567@carrier.example:5060', callerId: region.municipalities.find((m) => m.id === '2480')!.mainNumbers[0] });
  });

  it('an extension in another municipality rings its contacts; unknown 404, unregistered 480', async () => {
    const fromUmea = { from: 'phone', extension: '2480100' } as const;
    expect(await routeInvite(dialled('2460123'), fromUmea, deps())).toMatchObject({ kind: 'contacts', extension: '2460123', uris: expect.any(Array) });
    expect(await routeInvite(dialled('2460999'), fromUmea, deps())).toEqual({ kind: 'reject', status: 404 });
    expect(await routeInvite(dialled('2480100'), phone, deps())).toEqual({ kind: 'reject', status: 480 });
  });

  it('112 reaches the trunk whatever else fails: Redis down, no media node, no fallback', async () => {
    const everythingDown = deps({
      findRoute: async () => Promise.reject(new Error('down')),
      extension: () => new Promise(() => undefined),
      contacts: async () => Promise.reject(new Error('down')),
      healthy: [],
      fallbackNumbers: [],
    });
    expect(await routeInvite(dialled('112'), phone, everythingDown)).toEqual({ kind: 'trunk', uri: 'sip:112@carrier.example:5060' });
    expect(await routeInvite(dialled('112'), phone, deps())).toEqual({ kind: 'trunk', uri: 'sip:112@carrier.example:5060', callerId: DIRECT });
  });
});

describe('screening requests by source and user agent', () => {
  const screen = createScreen({ trunk: ['192.0.2.10', '198.51.100.0/28'], phones: ['10.20.0.0/16'] });
  const check = (source: string, userAgent: string) => {
    const req = sipRequest(inviteText(VANNAS_MAIN, { userAgent }), source);
    return screen(req.source_address, sipHeaders.userAgent(req));
  };

  it('drops known scanners silently, wherever they come from', () => {
    for (const ua of ['friendly-scanner', 'sipvicious 0.3', 'sipcli/v1.8', 'VaxSIPUserAgent/3.1']) expect(check('10.20.0.5', ua)).toBe('drop');
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
    expect(pool.state()).toEqual([{ node: 'a', healthy: true }, { node: 'b', healthy: false }]);
    expect([pool.next(), pool.next(), pool.next()]).toEqual(['a', 'a', 'a']);
    ping('b');
    expect(new Set([pool.next(), pool.next()])).toEqual(new Set(['a', 'b']));
  });
});
