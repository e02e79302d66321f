import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { freeUdpPort } from '../../src/lab/free-port.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { runSipp, SCENARIOS, startSipp, type SippProcess } from '../support/sipp.js';

/**
 * Through a real drachtio-server (README, "SIP edge": its container image or a build from
 * source): SIPp as the carrier's trunk, as the carrier's far side and as the region's phones,
 * through drachtio and the edge to the lab's Asterisk and to registered SIPp phones. Runs only
 * when DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET name one; DRACHTIO_SIP is the
 * host:port drachtio-server listens on for SIP (default 127.0.0.1:5060). One switchboard at a
 * time may be connected to that drachtio-server (it shares incoming calls among its apps).
 */
const { DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET, DRACHTIO_SIP = '127.0.0.1:5060' } = process.env;
const configured = Boolean(DRACHTIO_HOST && DRACHTIO_PORT && DRACHTIO_SECRET);
if (!configured) {
  console.warn('test/sip-edge/integration.test.ts NOT RUN: set DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET to a running drachtio-server (README, "SIP edge")');
}

interface QueueView {
  calls: { callId: string }[];
}
interface EdgeHealth {
  sipEdge?: { ok: boolean; drachtio: boolean; mediaNodes: { node: string; healthy: boolean }[] };
}

const sipp = (name: string) => resolve(import.meta.dirname, `../sipp/${name}.xml`);
/** Phones play from 127.0.0.3 (a phone network); the trunk is 127.0.0.1; 127.0.0.2 is a stranger. */
const PHONE_IP = '127.0.0.3';
const FALLBACK_MOBILE = '+46701112233';
const VANNAS_MAIN = '093514100';
const phones = {
  vannas: { extension: '2460123', displayName: 'Handläggare Vännäs', municipalityId: '2460', directNumber: '0935-141 23', password: 'vannas-phone-secret' },
  umea: { extension: '2480100', displayName: 'Handläggare Umeå', municipalityId: '2480', password: 'umea-phone-secret' },
};

describe.skipIf(!configured)('SIP edge through a real drachtio-server', () => {
  let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
  /** The carrier's far side (CARRIER_SIP_HOST): a SIPp that answers, started per test on this port. */
  let carrierPort: number;
  let deadNode: string;
  const phonePorts = { vannas: 0, umea: 0 };

  const health = async () => (await lab.api<EdgeHealth>('GET', '/health')).body.sipEdge;
  const waiting = async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls;
  const trunkCall = (dialled: string, hangupAfterMs = 3_000) =>
    startSipp({ scenarioFile: SCENARIOS.caller, remote: DRACHTIO_SIP, service: dialled, vars: { hangup_after_ms: String(hangupAfterMs) }, timeoutMs: 30_000 });
  /**
   * A SIPp that answers every call and keeps the messages it saw (a phone, the carrier, a
   * mobile). It hangs up after 1 s, well before the callers would (≥ 3 s), so one side's BYE
   * never crosses the other's.
   */
  const answering = (localPort: number, localIp = '127.0.0.1') =>
    startSipp({ scenarioFile: SCENARIOS.operatorPhone, localIp, localPort, vars: { talk_ms: '1000' }, traceMessages: true, timeoutMs: 30_000 });
  const phoneCall = (phone: keyof typeof phones, dialled: string, localIp = PHONE_IP) =>
    runSipp({
      scenarioFile: sipp('phone-call'),
      remote: DRACHTIO_SIP,
      service: dialled,
      localIp,
      vars: { extension: phones[phone].extension, hangup_after_ms: '4000' },
      extraArgs: ['-au', phones[phone].extension, '-ap', phones[phone].password],
      timeoutMs: 30_000,
    });
  /** The first INVITE a SIPp received, as text. */
  const firstInvite = (messages: string) => /^INVITE [\s\S]*?(?=\n\n)/m.exec(messages.replace(/\r/g, ''))?.[0] ?? '';

  beforeAll(async () => {
    [carrierPort, deadNode] = await Promise.all([freeUdpPort(), freeUdpPort().then((port) => `127.0.0.1:${port}`)]);
    lab = await startLabSwitchboard({
      adjustRegion: (region) => ({ ...region, region: { ...region.region, directDialRingSeconds: 5 } }),
      sipEdge: {
        drachtio: { host: DRACHTIO_HOST!, port: Number(DRACHTIO_PORT), secret: DRACHTIO_SECRET! },
        realm: 'regionvaxel',
        trunkSources: ['127.0.0.1'],
        phoneNetworks: [`${PHONE_IP}/32`],
        trunkHost: `127.0.0.1:${carrierPort}`,
        fallbackNumbers: [FALLBACK_MOBILE],
        // A second media node that never answers: it must stay out of rotation.
        otherMediaNodes: [deadNode],
      },
    });
    for (const phone of Object.values(phones)) await lab.switchboard.admin.extensions.create(phone, localActor('sip-edge integration test'));
    await eventually(async () => (await health())?.ok || undefined, { what: 'the edge connected with a healthy media node', timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a trunk call to a main number waits in its municipality\'s queue; the caller hanging up ends it there', async () => {
    const caller = await trunkCall(VANNAS_MAIN);
    await eventually(async () => (await waiting())[0], { what: 'the call waiting in Vännäs\'s queue' });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () => ((await waiting()).length === 0 ? true : undefined), { what: 'the hung-up call gone from the queue' });
  });

  it('a dead media node is out of rotation within 5 s, and calls go to the healthy one', async () => {
    const nodes = await eventually(async () => {
      const state = await health();
      return state?.mediaNodes.find((n) => n.node === deadNode)?.healthy === false ? state.mediaNodes : undefined;
    }, { what: 'the dead node marked unhealthy', timeoutMs: 5_000 });
    expect(nodes.filter((n) => n.healthy)).toHaveLength(1);
    // Round robin over healthy nodes only: two calls in a row both reach Asterisk.
    const callers = await Promise.all([trunkCall(VANNAS_MAIN), trunkCall(VANNAS_MAIN)]);
    await eventually(async () => ((await waiting()).length === 2 ? true : undefined), { what: 'both calls waiting' });
    for (const caller of callers) expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('phones register with digest auth against the HA1 the admin API stored, one binding each', async () => {
    for (const phone of ['vannas', 'umea'] as const) {
      phonePorts[phone] = await freeUdpPort();
      const registered = await runSipp({
        scenarioFile: sipp('phone-register'),
        remote: DRACHTIO_SIP,
        localIp: PHONE_IP,
        localPort: phonePorts[phone],
        vars: { extension: phones[phone].extension },
        extraArgs: ['-au', phones[phone].extension, '-ap', phones[phone].password],
        timeoutMs: 15_000,
      });
      expect(registered.stats).toMatchObject({ successful: 1, failed: 0 });
      expect(await lab.switchboard.redis.zRange(lab.switchboard.keys.contacts(phones[phone].extension), 0, -1)).toEqual([
        `sip:${phones[phone].extension}@${PHONE_IP}:${phonePorts[phone]}`,
      ]);
    }
    // The wrong password is refused, and binds nothing.
    const wrong = await runSipp({
      scenarioFile: sipp('phone-register'),
      remote: DRACHTIO_SIP,
      localIp: PHONE_IP,
      vars: { extension: phones.vannas.extension },
      extraArgs: ['-au', phones.vannas.extension, '-ap', 'not-the-password'],
      timeoutMs: 15_000,
    });
    expect(wrong.stats).toMatchObject({ successful: 0, failed: 1 });
    expect(await lab.switchboard.redis.zCard(lab.switchboard.keys.contacts(phones.vannas.extension))).toBe(1);
  });

  it('a trunk call to a direct number rings the registered phone, which answers with the caller shown', async () => {
    const phone = await answering(phonePorts.vannas, PHONE_IP);
    const caller = await trunkCall('093514123');
    const [answered, called] = await Promise.all([phone.done, caller.done]);
    expect(called.stats).toMatchObject({ successful: 1, failed: 0 });
    expect(answered.stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite(answered.messages)).toMatch(/^From:.*0701234567/m);
    expect(await waiting()).toEqual([]);
  });

  for (const { scenario, reason } of [
    { scenario: 'phone-busy', reason: 'extension-busy' },
    { scenario: 'phone-no-answer', reason: 'extension-no-answer' },
  ]) {
    it(`a direct call the phone does not take (${scenario}) goes to the switchboard's queue as ${reason}`, async () => {
      const phone = await startSipp({ scenarioFile: sipp(scenario), localIp: PHONE_IP, localPort: phonePorts.vannas, timeoutMs: 30_000 });
      const caller = await trunkCall('093514123', 10_000);
      const call = await eventually(async () => (await waiting())[0], { what: 'the direct call waiting', timeoutMs: 15_000 });
      const { body: record } = await lab.api<{ reason: string; extension?: string }>('GET', `/api/v1/calls/${encodeURIComponent(call.callId)}`);
      expect(record).toMatchObject({ reason, extension: phones.vannas.extension });
      expect((await phone.done).stats).toMatchObject({ successful: 1 });
      expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
      await eventually(async () => ((await waiting()).length === 0 ? true : undefined), { what: 'the queue empty again' });
    });
  }

  it('a phone dials another municipality\'s extension and it rings there', async () => {
    const umea = await answering(phonePorts.umea, PHONE_IP);
    const call = await phoneCall('vannas', phones.umea.extension, PHONE_IP);
    expect(call.stats).toMatchObject({ successful: 1, failed: 0 });
    const answered = await umea.done;
    expect(answered.stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite(answered.messages)).toMatch(/^From:.*2460123/m);
  });

  it('a phone\'s call to an external number leaves through the trunk with its direct number as caller ID', async () => {
    const carrier = await answering(carrierPort);
    const call = await phoneCall('vannas', '0701234567');
    expect(call.stats).toMatchObject({ successful: 1, failed: 0 });
    const invite = firstInvite((await carrier.done).messages);
    expect(invite).toMatch(/^INVITE sip:\+46701234567@/);
    expect(invite).toMatch(/^P-Asserted-Identity:.*\+4693514123/m);
    expect(invite).toMatch(/^From:.*\+4693514123/m);
  });

  it('112 from a phone reaches the trunk without any credentials', async () => {
    const carrier = await answering(carrierPort);
    const emergency = await runSipp({ scenarioFile: SCENARIOS.caller, remote: DRACHTIO_SIP, service: '112', localIp: PHONE_IP, vars: { hangup_after_ms: '4000' }, timeoutMs: 30_000 });
    expect(emergency.stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite((await carrier.done).messages)).toMatch(/^INVITE sip:112@/);
  });

  it('a known scanner gets no answer at all; the same request with another user agent a bare 403', async () => {
    const [host, port] = DRACHTIO_SIP.split(':') as [string, string];
    const scanner = await sendUdp('127.0.0.2', host, Number(port), optionsText('friendly-scanner'));
    expect(scanner).toBeUndefined();
    const stranger = await sendUdp('127.0.0.2', host, Number(port), optionsText('Yealink SIP-T54W'));
    expect(stranger).toMatch(/^SIP\/2\.0 403/);
    expect(stranger).not.toMatch(/^(Server|User-Agent|Warning):/im);
  });

  it('a call from an unknown source is refused and reaches nothing', async () => {
    const stranger = await runSipp({ builtin: 'uac', remote: DRACHTIO_SIP, service: VANNAS_MAIN, localIp: '127.0.0.2', traceMessages: true, timeoutMs: 15_000 });
    expect(stranger.stats).toMatchObject({ successful: 0, failed: 1 });
    expect(stranger.messages).toMatch(/SIP\/2\.0 403/);
    // The refusal tells nothing about what answers.
    expect(stranger.messages).not.toMatch(/^(Server|User-Agent|Warning):/im);
    expect(await waiting()).toEqual([]);
  });

  it('with no healthy media node, a switchboard call rings the fallback numbers through the trunk', async () => {
    const restart = lab.restartAsterisk(8_000);
    await eventually(async () => ((await health())?.mediaNodes.every((n) => !n.healthy) ? true : undefined), { what: 'every media node out', timeoutMs: 6_000 });
    const mobile = await answering(carrierPort);
    const caller = await trunkCall(VANNAS_MAIN);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite((await mobile.done).messages)).toMatch(new RegExp(`^INVITE sip:\\${FALLBACK_MOBILE}@`));
    await restart;
    await eventually(async () => (await health())?.ok || undefined, { what: 'the media node back', timeoutMs: 10_000 });
  });

  it('with Redis unreachable, a switchboard call rings the fallback numbers: the switchboard keeps answering', async () => {
    await lab.redis.kill();
    let mobile: SippProcess | undefined;
    try {
      mobile = await answering(carrierPort);
      const caller = await trunkCall(VANNAS_MAIN);
      expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
      expect(firstInvite((await mobile.done).messages)).toMatch(new RegExp(`^INVITE sip:\\${FALLBACK_MOBILE}@`));
    } finally {
      await mobile?.stop();
      await lab.redis.restart();
    }
  });
});

function optionsText(userAgent: string): string {
  const branch = `z9hG4bK-${Math.random().toString(36).slice(2)}`;
  return [
    'OPTIONS sip:100@regionvaxel SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.2:5099;branch=${branch};rport`,
    'From: <sip:100@127.0.0.2>;tag=scan',
    'To: <sip:100@regionvaxel>',
    `Call-ID: ${branch}@127.0.0.2`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    `User-Agent: ${userAgent}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Sends one datagram from `fromIp` and gives the first reply, or undefined after 1.5 s of silence. */
async function sendUdp(fromIp: string, host: string, port: number, text: string): Promise<string | undefined> {
  const socket = createSocket('udp4');
  await new Promise<void>((bound) => socket.bind(0, fromIp, bound));
  try {
    const reply = new Promise<string | undefined>((answered) => {
      socket.once('message', (message) => answered(message.toString('utf8')));
      setTimeout(() => answered(undefined), 1_500);
    });
    socket.send(text, port, host);
    return await reply;
  } finally {
    socket.close();
  }
}
