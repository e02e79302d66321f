import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EdgeDialog, EdgeRequest, EdgeResponse, EdgeSrf } from '../../src/sip-edge/drachtio.js';
import { type SipEdgeServices, startSipEdge } from '../../src/sip-edge/edge.js';
import { MEDIA_NODE_TIMING } from '../../src/sip-edge/media-nodes/media-node-pool.js';
import { inviteText, registerText, sipRequest } from './sip-text.js';

/**
 * The edge's wiring (edge.ts) on a stand-in for drachtio-srf: requests are drachtio-srf's own,
 * parsed from raw SIP text; what the edge sends, proxies and dials is recorded.
 */
type Handler = (req: EdgeRequest, res: EdgeResponse) => void | Promise<void>;

function fakeSrf({ uacFails = 486, mediaFails }: { uacFails?: number; mediaFails?: number } = {}) {
  const handlers: Record<string, Handler> = {};
  const listeners: Record<string, ((err: unknown, detail: string) => void)[]> = {};
  const b2bua: { uri: string; headers: Record<string, string> }[] = [];
  const uac: string[] = [];
  const uacFrom: string[] = [];
  const srf: EdgeSrf = {
    connect: () => undefined,
    disconnect: () => undefined,
    on: (event: string, listener: (err: unknown, detail: string) => void) => void (listeners[event] ??= []).push(listener),
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
    createUAS: async () => ({}) as EdgeDialog,
    createB2BUA: async (_req, _res, uri, opts) => {
      b2bua.push({ uri, headers: opts.headers });
      if (mediaFails) throw Object.assign(new Error('refused'), { status: mediaFails });
      const leg = (): EdgeDialog => ({ remote: { sdp: 'v=0' }, destroy: async () => undefined, on: () => undefined });
      return { uas: leg(), uac: leg() };
    },
  };
  return { srf, handlers, b2bua, uac, uacFrom, connect: () => listeners.connect?.forEach((l) => l(null, '127.0.0.1:9022')) };
}

async function deliver(handler: Handler | undefined, lines: string[], source: string): Promise<number[]> {
  const sent: number[] = [];
  const req = Object.assign(sipRequest(lines, source), { body: 'v=0', on: () => undefined }) as EdgeRequest;
  await handler!(req, { send: (status) => void sent.push(status) });
  return sent;
}

const DIRECT = '+4693514123';
const services: SipEdgeServices = {
  findRoute: async (e164) => (e164 === '+4693514100' ? { kind: 'main-number', municipalityId: '2460' } : e164 === DIRECT ? { kind: 'direct-dial', municipalityId: '2460' } : undefined),
  directNumberOwner: async (e164) => (e164 === DIRECT ? '2460123' : undefined),
  extension: async () => undefined,
  mainNumber: () => undefined,
  credentials: async () => undefined,
  contacts: { bind: async () => undefined, unbind: async () => undefined, contacts: async (ext) => (ext === '2460123' ? ['sip:2460123@10.20.0.7:5060'] : []) },
  ringMs: 20_000,
};
const settings = {
  drachtio: { host: '127.0.0.1', port: 9022, secret: 'x' },
  realm: 'regionvaxel',
  trunkSources: ['192.0.2.10'],
  phoneNetworks: ['10.20.0.0/16'],
  mediaNodes: ['ast-a:5080'],
  trunkHost: 'carrier.example:5060',
  fallbackNumbers: ['+46701110001'],
};

describe('the SIP edge wired to drachtio-srf', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function started(options?: { uacFails?: number; mediaFails?: number }) {
    const fake = fakeSrf(options);
    const edge = startSipEdge(settings, services, fake.srf);
    fake.connect();
    return { ...fake, edge };
  }

  it('reports drachtio connected and the media node healthy once it answers a ping', async () => {
    const { edge } = started();
    await vi.waitFor(() => expect(edge.state().connected).toBe(true));
    vi.advanceTimersByTime(MEDIA_NODE_TIMING.pingEveryMs);
    expect(edge.state()).toEqual({ connected: true, mediaNodes: [{ node: 'ast-a:5080', healthy: true }] });
    edge.stop();
  });

  it('drops scanners without an answer, refuses strangers with a bare 403, answers OPTIONS from phones', async () => {
    const { handlers, edge } = started();
    expect(await deliver(handlers.register, registerText('2460100', { userAgent: 'friendly-scanner' }), '10.20.0.5')).toEqual([]);
    expect(await deliver(handlers.invite, inviteText('+4693514100', { userAgent: 'sipvicious' }), '192.0.2.10')).toEqual([]);
    expect(await deliver(handlers.invite, inviteText('+4693514100'), '203.0.113.9')).toEqual([403]);
    expect(await deliver(handlers.options, ['OPTIONS sip:edge SIP/2.0', 'Via: SIP/2.0/UDP 10.20.0.5;branch=z9hG4bK1', 'From: <sip:p@x>;tag=1', 'To: <sip:edge>', 'Call-ID: o1', 'CSeq: 1 OPTIONS'], '10.20.0.5')).toEqual([200]);
    edge.stop();
  });

  it('challenges a phone\'s INVITE (407) but lets its 112 through to the trunk at once', async () => {
    const { handlers, b2bua, edge } = started();
    expect(await deliver(handlers.invite, inviteText('0701234567', { from: '2460100' }), '10.20.0.5')).toEqual([407]);
    await deliver(handlers.invite, inviteText('112', { from: '2460100' }), '10.20.0.5');
    expect(b2bua).toEqual([{ uri: 'sip:112@carrier.example:5060', headers: {} }]);
    edge.stop();
  });

  it('sends a trunk call to a main number to the healthy media node with its headers', async () => {
    const { handlers, b2bua, edge } = started();
    vi.advanceTimersByTime(MEDIA_NODE_TIMING.pingEveryMs);
    await deliver(handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(b2bua).toEqual([{ uri: 'sip:+4693514100@ast-a:5080', headers: { 'X-Municipality': '2460', 'X-Target': 'queue', 'X-Reason': 'main-number' } }]);
    edge.stop();
  });

  it('rings a direct number\'s phone, and on busy sends the call to the switchboard saying so', async () => {
    const { handlers, b2bua, uac, uacFrom, edge } = started({ uacFails: 486 });
    vi.advanceTimersByTime(MEDIA_NODE_TIMING.pingEveryMs);
    await deliver(handlers.invite, inviteText(DIRECT), '192.0.2.10');
    expect(uac).toEqual(['sip:2460123@10.20.0.7:5060']);
    // The phone sees who calls, in a dialog of its own (the caller's tag is not reused).
    expect(uacFrom).toEqual(['<sip:+46701234567@carrier>']);
    expect(b2bua).toEqual([{ uri: `sip:${DIRECT}@ast-a:5080`, headers: { 'X-Municipality': '2460', 'X-Target': 'queue', 'X-Reason': 'extension-busy' } }]);
    edge.stop();
  });

  it('when the media node refuses the call (it died between pings), rings the fallback numbers', async () => {
    const { handlers, b2bua, uac, edge } = started({ mediaFails: 503 });
    vi.advanceTimersByTime(MEDIA_NODE_TIMING.pingEveryMs);
    await deliver(handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(b2bua.map((b) => b.uri)).toEqual(['sip:+4693514100@ast-a:5080']);
    expect(uac).toEqual(['sip:+46701110001@carrier.example:5060']);
    edge.stop();
  });

  it('without a healthy media node, rings the fallback numbers instead of failing the call', async () => {
    const { handlers, uac, edge } = started();
    // No ping has been answered yet: no node is healthy.
    const sent = await deliver(handlers.invite, inviteText('+4693514100'), '192.0.2.10');
    expect(uac).toEqual(['sip:+46701110001@carrier.example:5060']);
    expect(sent).toEqual([503]); // the fake fallback phone was busy too
    edge.stop();
  });
});
