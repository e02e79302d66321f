import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { freeUdpPort } from '../../src/lab/free-port.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { runCaller, runSipp, SCENARIOS, type SippProcess, startCaller, startSipp } from '../support/sipp.js';
import { digestAnswer, registerText, type SipResponse, tlsConnection, udpRequest } from './sip-wire.js';

/**
 * Through a real drachtio-server (README, "SIP edge": its container image or a build from
 * source): SIPp as the carrier's trunk, as the carrier's far side and as the region's phones,
 * through drachtio and the edge to the lab's Asterisk and to registered SIPp phones. Runs only
 * when DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET name one; DRACHTIO_SIP is the
 * host:port drachtio-server listens on for SIP (default 127.0.0.1:5060). One switchboard at a
 * time may be connected to that drachtio-server (it shares incoming calls among its apps).
 */
const { DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET, DRACHTIO_SIP = '127.0.0.1:5060' } = process.env;
/** drachtio-server's SIP over TLS: DRACHTIO_SIPS, by default DRACHTIO_SIP's host with the next port (5060 → 5061). */
const DRACHTIO_SIPS =
  process.env.DRACHTIO_SIPS ?? DRACHTIO_SIP.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`);
const configured = Boolean(DRACHTIO_HOST && DRACHTIO_PORT && DRACHTIO_SECRET);
if (!configured) {
  console.warn(
    'test/sip-edge/integration.test.ts NOT RUN: set DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET to a running drachtio-server (README, "SIP edge")',
  );
}

interface QueueView {
  calls: { callId: string }[];
}
interface EdgeHealth {
  sipEdge?: { ok: boolean; drachtio: boolean; mediaNodes: { node: string; healthy: boolean }[] };
}

const sipp = (name: string) => resolve(import.meta.dirname, `../sipp/${name}.xml`);
/** Phones play from 127.0.0.3 and 127.0.0.4 (phone networks); the trunk is 127.0.0.1; 127.0.0.2 is a stranger. */
const PHONE_IP = '127.0.0.3';
const OTHER_PHONE_IP = '127.0.0.4';
const REGISTRAR = `sip:${DRACHTIO_SIP}`;
/** A direct number of Vännäs that a numbers entry forwards to a mobile. */
const FORWARDED = { number: '0935-141 50', e164: '+4693514150', to: '070-123 45 67' };
const FALLBACK_MOBILE = '+46701112233';
const VANNAS_MAIN = '093514100';
const actor = localActor('sip-edge integration test');
const phones = {
  vannas: {
    extension: '2460123',
    displayName: 'Handläggare Vännäs',
    municipalityId: '2460',
    directNumber: '0935-141 23',
    password: 'vannas-phone-secret',
  },
  umea: {
    extension: '2480100',
    displayName: 'Handläggare Umeå',
    municipalityId: '2480',
    password: 'umea-phone-secret',
  },
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
    startCaller(DRACHTIO_SIP, dialled, { hangupAfterMs, timeoutMs: 30_000 });
  /**
   * A SIPp that answers every call and keeps the messages it saw (a phone, the carrier, a
   * mobile). It hangs up after 1 s, well before the callers would (≥ 3 s), so one side's BYE
   * never crosses the other's.
   */
  const answering = (localPort: number, localIp = '127.0.0.1') =>
    startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      localIp,
      localPort,
      vars: { talk_ms: '1000' },
      traceMessages: true,
      timeoutMs: 30_000,
    });
  /** SIPp's digest credentials for a phone's INVITE: its digest uri is the Request-URI, as the edge checks (SIPp's default is its remote address). */
  const phoneCredentials = (phone: keyof typeof phones, dialled: string) => [
    '-au',
    phones[phone].extension,
    '-ap',
    phones[phone].password,
    '-auth_uri',
    `${dialled}@${DRACHTIO_SIP}`,
  ];
  const phoneCall = (phone: keyof typeof phones, dialled: string, localIp = PHONE_IP) =>
    runSipp({
      scenarioFile: sipp('phone-call'),
      remote: DRACHTIO_SIP,
      service: dialled,
      localIp,
      vars: { extension: phones[phone].extension, hangup_after_ms: '4000' },
      extraArgs: phoneCredentials(phone, dialled),
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
        phoneNetworks: [`${PHONE_IP}/32`, `${OTHER_PHONE_IP}/32`],
        trunkHost: `127.0.0.1:${carrierPort}`,
        fallbackNumbers: [FALLBACK_MOBILE],
        phonesRequireTls: false,
        // A second media node that never answers: it must stay out of rotation.
        otherMediaNodes: [deadNode],
      },
    });
    for (const phone of Object.values(phones)) await lab.switchboard.admin.extensions.create(phone, actor);
    await lab.switchboard.admin.numbers.create(
      { number: FORWARDED.number, municipalityId: '2460', target: { kind: 'external', number: FORWARDED.to } },
      actor,
    );
    await eventually(async () => (await health())?.ok || undefined, {
      what: 'the edge connected with a healthy media node',
      timeoutMs: 15_000,
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("a trunk call to a main number waits in its municipality's queue; the caller hanging up ends it there", async () => {
    const caller = await trunkCall(VANNAS_MAIN);
    await eventually(async () => (await waiting())[0], { what: "the call waiting in Vännäs's queue" });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () => ((await waiting()).length === 0 ? true : undefined), {
      what: 'the hung-up call gone from the queue',
    });
  });

  it('a dead media node is out of rotation within 5 s, and calls go to the healthy one', async () => {
    const nodes = await eventually(
      async () => {
        const state = await health();
        return state?.mediaNodes.find((n) => n.node === deadNode)?.healthy === false ? state.mediaNodes : undefined;
      },
      { what: 'the dead node marked unhealthy', timeoutMs: 5_000 },
    );
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
      expect(await lab.switchboard.redis.zRange(lab.switchboard.keys.contacts(phones[phone].extension), 0, -1)).toEqual(
        [`sip:${phones[phone].extension}@${PHONE_IP}:${phonePorts[phone]}`],
      );
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
      const phone = await startSipp({
        scenarioFile: sipp(scenario),
        localIp: PHONE_IP,
        localPort: phonePorts.vannas,
        timeoutMs: 30_000,
      });
      const caller = await trunkCall('093514123', 10_000);
      const call = await eventually(async () => (await waiting())[0], {
        what: 'the direct call waiting',
        timeoutMs: 15_000,
      });
      const { body: record } = await lab.api<{ reason: string; extension?: string }>(
        'GET',
        `/api/v1/calls/${encodeURIComponent(call.callId)}`,
      );
      expect(record).toMatchObject({ reason, extension: phones.vannas.extension });
      expect((await phone.done).stats).toMatchObject({ successful: 1 });
      expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
      await eventually(async () => ((await waiting()).length === 0 ? true : undefined), {
        what: 'the queue empty again',
      });
    });
  }

  it("a phone dials another municipality's extension and it rings there", async () => {
    const umea = await answering(phonePorts.umea, PHONE_IP);
    const call = await phoneCall('vannas', phones.umea.extension, PHONE_IP);
    expect(call.stats).toMatchObject({ successful: 1, failed: 0 });
    const answered = await umea.done;
    expect(answered.stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite(answered.messages)).toMatch(/^From:.*2460123/m);
  });

  it("a phone's call to an external number leaves through the trunk with its direct number as caller ID", async () => {
    const carrier = await answering(carrierPort);
    const call = await phoneCall('vannas', '0701234567');
    expect(call.stats).toMatchObject({ successful: 1, failed: 0 });
    const invite = firstInvite((await carrier.done).messages);
    expect(invite).toMatch(/^INVITE sip:\+46701234567@/);
    expect(invite).toMatch(/^P-Asserted-Identity:.*\+4693514123/m);
    expect(invite).toMatch(/^From:.*\+4693514123/m);
  });

  it("112 from a phone reaches the trunk without any credentials; not registered, it shows the region's default municipality's main number", async () => {
    const carrier = await answering(carrierPort);
    const emergency = await runCaller(DRACHTIO_SIP, '112', {
      hangupAfterMs: 4000,
      localIp: PHONE_IP,
      timeoutMs: 30_000,
    });
    expect(emergency.stats).toMatchObject({ successful: 1, failed: 0 });
    const invite = firstInvite((await carrier.done).messages);
    expect(invite).toMatch(/^INVITE sip:112@/);
    // 127.0.0.3 is on no member's phone network: the default municipality's (Bjurholm's) main number.
    const bjurholm = lab.region.municipalities.find((m) => m.id === lab.region.region.defaultMunicipality)!
      .mainNumbers[0]!;
    expect(invite).toMatch(new RegExp(`^P-Asserted-Identity:.*\\${bjurholm}@`, 'm'));
  });

  it("112 from a registered phone carries its extension's direct number as P-Asserted-Identity and From", async () => {
    const carrier = await answering(carrierPort);
    const emergency = await runCaller(DRACHTIO_SIP, '112', {
      hangupAfterMs: 4000,
      localIp: PHONE_IP,
      localPort: phonePorts.vannas,
      timeoutMs: 30_000,
    });
    expect(emergency.stats).toMatchObject({ successful: 1, failed: 0 });
    const invite = firstInvite((await carrier.done).messages);
    expect(invite).toMatch(/^INVITE sip:112@/);
    expect(invite).toMatch(/^P-Asserted-Identity:.*\+4693514123@/m);
    expect(invite).toMatch(/^From:.*\+4693514123@/m);
  });

  it('1177 from a phone goes out through the trunk as dialled', async () => {
    const carrier = await answering(carrierPort);
    const call = await phoneCall('vannas', '1177');
    expect(call.stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite((await carrier.done).messages)).toMatch(/^INVITE sip:1177@/);
  });

  it('0900 from an extension gets a 403 from the dial policy, which IT staff hear of, and reaches nothing', async () => {
    const carrier = await answering(carrierPort);
    const refusals = async () =>
      ((await lab.switchboard.redis.xRange(lab.switchboard.keys.events(), '-', '+')) ?? []).flatMap((entry) =>
        entry?.message.type === 'dialling.refused' ? [entry.message] : [],
      );
    try {
      const call = await runSipp({
        scenarioFile: sipp('phone-call-refused'),
        remote: DRACHTIO_SIP,
        service: '09001234567',
        localIp: PHONE_IP,
        vars: { extension: phones.vannas.extension },
        extraArgs: phoneCredentials('vannas', '09001234567'),
        timeoutMs: 15_000,
      });
      expect(call.stats).toMatchObject({ successful: 1, failed: 0 });
      // Refused by the policy (not by authentication): the event says the class and the extension, not the number.
      expect(await refusals()).toEqual([
        expect.objectContaining({
          municipalityId: '2460',
          kind: 'extension',
          class: 'premium',
          extension: phones.vannas.extension,
        }),
      ]);
      expect(JSON.stringify(await refusals())).not.toMatch(/0900|9001234567/);
    } finally {
      expect((await carrier.stop()).messages).not.toMatch(/INVITE sip:/);
    }
  });

  describe('feature codes', () => {
    /** An extension of Vännäs linked to its person's directory entry: the phone that sets its own hänvisning. */
    const coder = { extension: '2460125', displayName: 'Berit Holm', municipalityId: '2460', password: 'coder-secret' };
    const absenceOf = async (id: string) => (await lab.switchboard.entries.get(id))?.absence;
    let own: string;
    let other: string;

    beforeAll(async () => {
      const create = (givenName: string, extension: string) =>
        lab.switchboard.entries.create(
          { kind: 'person', givenName, familyName: 'Holm', municipalityId: '2460', extension },
          actor,
        );
      own = (await create('Berit', coder.extension)).id;
      other = (await create('Anders', phones.vannas.extension)).id;
      await lab.switchboard.admin.extensions.create({ ...coder, directoryEntryId: own }, actor);
    });

    it("a phone's code reaches the media node with the extension it authenticated as, not one it claims: its own hänvisning is set", async () => {
      const dialled = '*21*1400%23';
      const call = await runSipp({
        scenarioFile: sipp('phone-call'),
        remote: DRACHTIO_SIP,
        service: dialled,
        localIp: PHONE_IP,
        // A forged X-Extension of a colleague: the edge sends its own.
        vars: {
          extension: coder.extension,
          hangup_after_ms: '15000',
          header_name: 'X-Extension',
          header_value: phones.vannas.extension,
        },
        extraArgs: ['-au', coder.extension, '-ap', coder.password, '-auth_uri', `${dialled}@${DRACHTIO_SIP}`],
        timeoutMs: 30_000,
      });
      expect(call.stats).toMatchObject({ successful: 1, failed: 0 });
      expect(await absenceOf(own)).toMatchObject({
        reason: 'other',
        until: expect.stringMatching(/T14:00:00\+0[12]:00$/),
      });
      expect(await absenceOf(other)).toBeNull();
    });

    it('a trunk call dialling a code, X-Extension and all, is 404 and changes nothing', async () => {
      const call = await runSipp({
        scenarioFile: sipp('phone-feature-code'),
        remote: DRACHTIO_SIP,
        service: '%2321%23',
        vars: { extension: coder.extension },
        traceMessages: true,
        timeoutMs: 15_000,
      });
      expect(call.messages).toMatch(/^SIP\/2\.0 404/m);
      expect(await absenceOf(own)).not.toBeNull();
    });

    it("a trunk call to the direct number of a person with a hänvisning goes to the switchboard, which says it: the person's phone does not ring", async () => {
      // Anders's entry lists the Vännäs phone's extension, whose direct number is 0935-141 23.
      await lab.switchboard.entries.setAbsence(other, { reason: 'meeting', until: '2099-01-01T14:00:00+01:00' }, actor);
      const phone = await answering(phonePorts.vannas, PHONE_IP);
      try {
        const caller = await trunkCall('093514123', 10_000);
        const call = await eventually(async () => (await waiting())[0], {
          what: 'the direct call waiting',
          timeoutMs: 15_000,
        });
        const { body: record } = await lab.api<{ reason: string; reasonDetail?: string }>(
          'GET',
          `/api/v1/calls/${encodeURIComponent(call.callId)}`,
        );
        expect(record).toMatchObject({ reason: 'extension-absent', reasonDetail: expect.stringMatching(/^meeting/) });
        expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
      } finally {
        await lab.switchboard.entries.setAbsence(other, null, actor);
      }
      expect((await phone.stop()).messages).not.toMatch(/^INVITE /m);
      await eventually(async () => ((await waiting()).length === 0 ? true : undefined), {
        what: 'the queue empty again',
      });
    });
  });

  it("a direct number forwarded to a mobile reaches the carrier's far side: the forwarding number asserted and in Diversion, the caller in From", async () => {
    const carrier = await answering(carrierPort);
    const caller = await trunkCall(FORWARDED.number.replace(/\D/g, ''));
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    const invite = firstInvite((await carrier.done).messages);
    expect(invite).toMatch(/^INVITE sip:\+46701234567@/);
    expect(invite).toMatch(new RegExp(`^P-Asserted-Identity:.*\\${FORWARDED.e164}@`, 'm'));
    expect(invite).toMatch(new RegExp(`^Diversion:.*\\${FORWARDED.e164}@.*reason=unconditional`, 'm'));
    expect(invite).toMatch(/^From:.*0701234567/m);
    expect(await waiting()).toEqual([]);
  });

  describe('digest answers that cannot be played again', () => {
    const extension = phones.umea.extension;
    /** A REGISTER that binds nothing (it only asks for the bindings), from `fromIp`. */
    const ask = (fromIp: string, authorization?: string, uri = REGISTRAR) =>
      udpRequest(fromIp, DRACHTIO_SIP, (localPort) =>
        registerText({ transport: 'UDP', localIp: fromIp, localPort, extension, uri, authorization }),
      );
    const answer = (challenge: SipResponse | undefined, nc = 1) =>
      digestAnswer(challenge!.header('www-authenticate')!, {
        uri: REGISTRAR,
        username: extension,
        password: phones.umea.password,
        nc,
      });

    it('a captured Authorization is refused: with its nonce count used (401), from another address (401 stale), for another Request-URI (403)', async () => {
      const challenge = await ask(PHONE_IP);
      expect(challenge?.status).toBe(401);
      const captured = answer(challenge);
      expect((await ask(PHONE_IP, captured))?.status).toBe(200);
      const replayed = await ask(PHONE_IP, captured);
      expect(replayed?.status).toBe(401);
      expect(replayed?.header('www-authenticate')).not.toMatch(/stale/);
      const elsewhere = await ask(OTHER_PHONE_IP, captured);
      expect(elsewhere?.status).toBe(401);
      expect(elsewhere?.header('www-authenticate')).toMatch(/stale=true/);
      expect((await ask(PHONE_IP, captured, `sip:${extension}@${DRACHTIO_SIP}`))?.status).toBe(403);
      // The phone itself goes on with its next nonce count.
      expect((await ask(PHONE_IP, answer(challenge, 2)))?.status).toBe(200);
    });

    it('after the edge restarts, its old nonce is answered stale=true as often as phones send it, and the phone registers again, not locked out', async () => {
      const before = await ask(PHONE_IP);
      await lab.stopApp();
      await lab.startApp();
      await eventually(async () => (await health())?.ok || undefined, {
        what: 'the restarted edge connected',
        timeoutMs: 15_000,
      });
      let last: SipResponse | undefined;
      for (let nc = 1; nc <= 8; nc++) {
        last = await ask(PHONE_IP, answer(before, nc));
        expect(last?.status).toBe(401);
        expect(last?.header('www-authenticate')).toMatch(/stale=true/);
      }
      expect((await ask(PHONE_IP, answer(last)))?.status).toBe(200);
    });
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
    const stranger = await runSipp({
      builtin: 'uac',
      remote: DRACHTIO_SIP,
      service: VANNAS_MAIN,
      localIp: '127.0.0.2',
      traceMessages: true,
      timeoutMs: 15_000,
    });
    expect(stranger.stats).toMatchObject({ successful: 0, failed: 1 });
    expect(stranger.messages).toMatch(/SIP\/2\.0 403/);
    // The refusal tells nothing about what answers.
    expect(stranger.messages).not.toMatch(/^(Server|User-Agent|Warning):/im);
    expect(await waiting()).toEqual([]);
  });

  it('with no healthy media node, a switchboard call rings the fallback numbers through the trunk', async () => {
    const restart = lab.restartAsterisk(8_000);
    await eventually(async () => ((await health())?.mediaNodes.every((n) => !n.healthy) ? true : undefined), {
      what: 'every media node out',
      timeoutMs: 6_000,
    });
    const mobile = await answering(carrierPort);
    const caller = await trunkCall(VANNAS_MAIN);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite((await mobile.done).messages)).toMatch(new RegExp(`^INVITE sip:\\${FALLBACK_MOBILE}@`));
    await restart;
    await eventually(async () => (await health())?.ok || undefined, { what: 'the media node back', timeoutMs: 10_000 });
  });

  // The app drains for good in this describe's lab: only tests that need no admission on Asterisk come after.
  it('a trunk call reaching a draining media node (refused with 503) goes on: to another healthy node, here none, so to the fallback numbers', async () => {
    await eventually(async () => (await health())?.ok || undefined, { what: 'the media node healthy' });
    const drained = lab.switchboard.drain(1);
    const mobile = await answering(carrierPort);
    const caller = await trunkCall(VANNAS_MAIN);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(firstInvite((await mobile.done).messages)).toMatch(new RegExp(`^INVITE sip:\\${FALLBACK_MOBILE}@`));
    expect(await waiting()).toEqual([]);
    expect(await drained).toMatchObject({ held: 0 });
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

describe.skipIf(!configured)('SIP edge through a real drachtio-server with TLS required of phones', () => {
  let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
  let carrierPort: number;
  /**
   * A phone of its own: drachtio-server remembers the transport a user@host registered over and
   * sends that user's in-dialog requests over it, so a TLS phone sharing an extension and host
   * with the UDP phones above would take their BYEs (until its registration ran out).
   */
  const phone = {
    extension: '2460160',
    displayName: 'Handläggare Vännäs (TLS)',
    municipalityId: '2460',
    password: 'vannas-tls-phone-secret',
  };

  beforeAll(async () => {
    carrierPort = await freeUdpPort();
    lab = await startLabSwitchboard({
      sipEdge: {
        drachtio: { host: DRACHTIO_HOST!, port: Number(DRACHTIO_PORT), secret: DRACHTIO_SECRET! },
        realm: 'regionvaxel',
        trunkSources: ['127.0.0.1'],
        phoneNetworks: [`${PHONE_IP}/32`],
        trunkHost: `127.0.0.1:${carrierPort}`,
        fallbackNumbers: [],
        phonesRequireTls: true,
      },
    });
    await lab.switchboard.admin.extensions.create(phone, actor);
    await eventually(async () => (await lab.api<EdgeHealth>('GET', '/health')).body.sipEdge?.ok || undefined, {
      what: 'the edge connected',
      timeoutMs: 15_000,
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("a phone registers over TLS (Node's tls: Debian's SIPp has no TLS); over UDP it gets a bare 403", async () => {
    const overUdp = await udpRequest(PHONE_IP, DRACHTIO_SIP, (localPort) =>
      registerText({
        transport: 'UDP',
        localIp: PHONE_IP,
        localPort,
        extension: phone.extension,
        uri: REGISTRAR,
        contact: true,
      }),
    );
    expect(overUdp?.status).toBe(403);
    const tls = await tlsConnection(PHONE_IP, DRACHTIO_SIPS);
    try {
      const uri = `sips:${DRACHTIO_SIPS}`;
      const register = (authorization?: string, expires = 300) =>
        tls.request(
          registerText({
            transport: 'TLS',
            localIp: PHONE_IP,
            localPort: tls.localPort,
            extension: phone.extension,
            uri,
            authorization,
            contact: true,
            expires,
          }),
        );
      const challenge = await register();
      expect(challenge.status).toBe(401);
      const answer = (nc: number) =>
        digestAnswer(challenge.header('www-authenticate')!, {
          uri,
          username: phone.extension,
          password: phone.password,
          nc,
        });
      expect((await register(answer(1))).status).toBe(200);
      // Bound where the TLS connection came from, so calls reach the phone over it.
      expect(await lab.switchboard.redis.zRange(lab.switchboard.keys.contacts(phone.extension), 0, -1)).toEqual([
        `sip:${phone.extension}@${PHONE_IP}:${tls.localPort};transport=tls`,
      ]);
      expect((await register(answer(2), 0)).status).toBe(200);
    } finally {
      tls.close();
    }
  });

  it('112 over UDP still goes out: an emergency call is never refused for its transport', async () => {
    const carrier = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      localPort: carrierPort,
      vars: { talk_ms: '1000' },
      traceMessages: true,
      timeoutMs: 30_000,
    });
    const emergency = await runCaller(DRACHTIO_SIP, '112', {
      hangupAfterMs: 4000,
      localIp: PHONE_IP,
      timeoutMs: 30_000,
    });
    expect(emergency.stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await carrier.done).messages).toMatch(/^INVITE sip:112@/m);
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
