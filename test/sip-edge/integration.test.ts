import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { runSipp, SCENARIOS, startSipp } from '../support/sipp.js';

/**
 * Through a real drachtio-server (README, "SIP edge": its container image or a build from
 * source): SIPp as the carrier's trunk → drachtio → the edge → the lab's Asterisk. Runs only
 * when DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET name one; DRACHTIO_SIP is the
 * host:port drachtio-server listens on for SIP (default 127.0.0.1:5060).
 */
const { DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET, DRACHTIO_SIP = '127.0.0.1:5060' } = process.env;
const configured = Boolean(DRACHTIO_HOST && DRACHTIO_PORT && DRACHTIO_SECRET);
if (!configured) {
  console.warn('test/sip-edge/integration.test.ts NOT RUN: set DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET to a running drachtio-server (README, "SIP edge")');
}

interface QueueView {
  calls: { callId: string }[];
}

const PHONE_REGISTER = resolve(import.meta.dirname, '../sipp/phone-register.xml');
const PHONE_BUSY = resolve(import.meta.dirname, '../sipp/phone-busy.xml');
/** Phones play from 127.0.0.3 (a phone network); the trunk is 127.0.0.1. */
const PHONE_IP = '127.0.0.3';
const PASSWORD = 'integration-phone-secret';

describe.skipIf(!configured)('SIP edge through a real drachtio-server', () => {
  let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;

  beforeAll(async () => {
    lab = await startLabSwitchboard({
      sipEdge: {
        drachtio: { host: DRACHTIO_HOST!, port: Number(DRACHTIO_PORT), secret: DRACHTIO_SECRET! },
        realm: 'regionvaxel',
        // SIPp on 127.0.0.1 is the trunk; 127.0.0.2 plays a stranger.
        trunkSources: ['127.0.0.1'],
        phoneNetworks: [`${PHONE_IP}/32`],
        trunkHost: undefined,
        fallbackNumbers: [],
      },
    });
    await eventually(async () => {
      const { body } = await lab.api<{ sipEdge?: { ok: boolean } }>('GET', '/health');
      return body.sipEdge?.ok || undefined;
    }, { what: 'the edge connected with a healthy media node', timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a trunk call to a main number reaches the media node and waits in its municipality\'s queue', async () => {
    const caller = await startSipp({ scenarioFile: SCENARIOS.caller, remote: DRACHTIO_SIP, service: '093514100', vars: { hangup_after_ms: '4000' }, timeoutMs: 30_000 });
    await eventually(async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls[0], { what: 'the call waiting in Vännäs\'s queue' });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('a phone registers with digest auth; a trunk call to its direct number rings it, and busy sends the call to the queue as busy', async () => {
    await lab.switchboard.admin.extensions.create(
      { extension: '2460123', displayName: 'Handläggare', municipalityId: '2460', directNumber: '0935-141 23', password: PASSWORD },
      localActor('sip-edge integration test'),
    );
    const registered = await runSipp({ scenarioFile: PHONE_REGISTER, remote: DRACHTIO_SIP, localIp: PHONE_IP, extraArgs: ['-au', '2460123', '-ap', PASSWORD], timeoutMs: 15_000 });
    expect(registered.stats).toMatchObject({ successful: 1, failed: 0 });
    const phonePort = Number(/:(\d+)>/.exec((await lab.switchboard.redis.zRange(lab.switchboard.keys.contacts('2460123'), 0, -1))[0] ?? '')?.[1]);
    expect(phonePort).toBeGreaterThan(0);

    const busy = await startSipp({ scenarioFile: PHONE_BUSY, localIp: PHONE_IP, localPort: phonePort, calls: 1, timeoutMs: 30_000 });
    const caller = await startSipp({ scenarioFile: SCENARIOS.caller, remote: DRACHTIO_SIP, service: '093514123', vars: { hangup_after_ms: '4000' }, timeoutMs: 30_000 });
    const waiting = await eventually(async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls[0], { what: 'the busy direct call waiting' });
    const { body: record } = await lab.api<{ reason: string; extension?: string }>('GET', `/api/v1/calls/${encodeURIComponent(waiting.callId)}`);
    expect(record).toMatchObject({ reason: 'extension-busy', extension: '2460123' });
    expect((await busy.done).stats).toMatchObject({ successful: 1 });
    await caller.done;
  });

  it('a call from an unknown source is refused', async () => {
    const stranger = await runSipp({ builtin: 'uac', remote: DRACHTIO_SIP, service: '093514100', localIp: '127.0.0.2', timeoutMs: 15_000 });
    expect(stranger.stats).toMatchObject({ successful: 0, failed: 1 });
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls).toEqual([]);
  });
});
