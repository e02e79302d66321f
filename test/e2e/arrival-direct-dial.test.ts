import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { type AriPlayback, eventually, spokenTexts, startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';

type QueueView = { calls: Array<{ callId: string }> };
type CallView = {
  callId: string;
  state: string;
  reason: string;
  reasonDetail?: string;
  extension?: string;
  calledNumber: string;
  municipality: { id: string };
};
type Bridge = { id: string; channels: string[] };

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
const actor = localActor('e2e direct dial');

/** An extension of Vännäs with a direct number, and (optionally) the directory entry of its person. */
async function extensionWithDirectNumber(
  extension: string,
  directNumber: string,
  absence?: { reason: 'leave'; text: string },
) {
  await lab.switchboard.admin.extensions.create(
    {
      extension,
      displayName: `Handläggare ${extension}`,
      municipalityId: '2460',
      directNumber,
      password: 'direct-dial-test-secret',
    },
    actor,
  );
  if (absence) {
    await lab.switchboard.entries.create(
      { kind: 'person', givenName: 'Åsa', familyName: 'Lind', municipalityId: '2460', extension, absence },
      actor,
    );
  }
}

beforeAll(async () => {
  // Extensions ring 5 s here (20 s by default), so the no-answer case is quick.
  lab = await startLabSwitchboard({
    adjustRegion: (region) => ({ ...region, region: { ...region.region, directDialRingSeconds: 5 } }),
  });
});
afterAll(async () => {
  await lab?.stop();
});

const call = (dialled: string, hangupAfterMs = 4_000) =>
  startCaller(lab.asterisk, dialled, {
    hangupAfterMs,
    timeoutMs: 60_000,
  });

async function waitingRecord(municipalityId: string): Promise<CallView> {
  const waiting = await eventually(
    async () => {
      const { body } = await lab.api<QueueView>('GET', `/api/v1/queues/${municipalityId}`);
      return body.calls[0];
    },
    { what: `a call waiting in ${municipalityId}` },
  );
  return (await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(waiting.callId)}`)).body;
}

describe.sequential('direct-dial numbers', () => {
  it('send a call for an absent person to the municipality’s queue after saying the hänvisning, with the absence shown to the operator', async () => {
    await extensionWithDirectNumber('2460201', '0935-142 01', { reason: 'leave', text: 'Föräldraledig' });
    const caller = await call('093514201');
    // Before the queue, Asterisk plays the hänvisning to the caller's channel (named after the call, as announcements are).
    const playing = await eventually(
      async () => {
        const { body: channels } = await lab.ari<{ id: string }[]>('/ari/channels');
        for (const { id } of channels) {
          const { status, body } = await lab.ari<AriPlayback>(`/ari/playbacks/${encodeURIComponent(`${id}-absence`)}`);
          if (status === 200) return { callId: id, playback: body };
        }
        return undefined;
      },
      { what: 'the hänvisning playing' },
    );
    expect(playing.playback).toMatchObject({ target_uri: `channel:${playing.callId}` });
    expect(playing.playback.media_uri).toMatch(/^sound:http:\/\/.*\/media\/spoken\/[0-9a-f]{64}\.wav$/);
    const record = await waitingRecord('2460');
    expect(record.callId).toBe(playing.callId);
    expect(record).toMatchObject({
      state: 'waiting',
      reason: 'extension-absent',
      reasonDetail: 'leave: Föräldraledig',
      extension: '2460201',
      calledNumber: '+4693514201',
    });
    // The caller heard it spoken (media/spoken-text/: given out to Asterisk, so remembered in Redis); the free text is the operator's only.
    expect(await spokenTexts(lab.switchboard)).toContain('Åsa Lind är ledig.');
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () =>
      (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls.length === 0 ? true : undefined,
    );
  });

  it('send a call for an extension with no registered phone to the queue, saying so — also through a numbers entry routed to it', async () => {
    await extensionWithDirectNumber('2460202', '0935-142 02');
    const caller = await call('093514202', 3_000);
    expect(await waitingRecord('2460')).toMatchObject({
      reason: 'extension-not-registered',
      extension: '2460202',
      calledNumber: '+4693514202',
    });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () =>
      (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls.length === 0 ? true : undefined,
    );

    await lab.switchboard.admin.numbers.create(
      { number: '0935-142 12', municipalityId: '2460', target: { kind: 'extension', extension: '2460202' } },
      actor,
    );
    const second = await call('093514212', 3_000);
    expect(await waitingRecord('2460')).toMatchObject({
      reason: 'extension-not-registered',
      extension: '2460202',
      calledNumber: '+4693514212',
    });
    expect((await second.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () =>
      (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls.length === 0 ? true : undefined,
    );
  });

  it('send a call for a busy phone to the queue as busy, and for a phone nobody picks up as no answer after the ring time', async () => {
    const contacts = lab.switchboard.contacts;
    await extensionWithDirectNumber('2460204', '0935-142 04');
    const busy = await startSipp({
      scenarioFile: resolve(import.meta.dirname, '../sipp/phone-busy.xml'),
      calls: 1,
      timeoutMs: 30_000,
    });
    await contacts.bind('2460204', `sip:2460204@127.0.0.1:${busy.localPort}`, 120);
    const first = await call('093514204', 3_000);
    expect(await waitingRecord('2460')).toMatchObject({ reason: 'extension-busy', extension: '2460204' });
    expect((await first.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await busy.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () =>
      (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls.length === 0 ? true : undefined,
    );

    await extensionWithDirectNumber('2460205', '0935-142 05');
    const ringing = await startSipp({
      scenarioFile: resolve(import.meta.dirname, '../sipp/phone-no-answer.xml'),
      calls: 1,
      timeoutMs: 30_000,
    });
    await contacts.bind('2460205', `sip:2460205@127.0.0.1:${ringing.localPort}`, 120);
    const started = Date.now();
    const second = await call('093514205', 9_000);
    expect(await waitingRecord('2460')).toMatchObject({ reason: 'extension-no-answer', extension: '2460205' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    expect((await ringing.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await second.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('ring the extension’s registered phone, which answers and talks with the caller; no queue, no operator', async () => {
    await extensionWithDirectNumber('2460203', '0935-142 03');
    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 1,
      vars: { talk_ms: '30000' },
      timeoutMs: 60_000,
    });
    await lab.switchboard.contacts.bind('2460203', `sip:2460203@127.0.0.1:${phone.localPort}`, 120);

    const caller = await call('093514203', 4_000);
    // Asterisk itself shows the caller and the extension's leg in one bridge.
    const bridge = await eventually(
      async () => {
        const { body } = await lab.ari<Bridge[]>('/ari/bridges');
        return body.find((b) => b.id.endsWith('-direct') && b.channels.length === 2);
      },
      { what: 'caller and extension bridged' },
    );
    expect(bridge.channels).toContain(bridge.id.replace(/-direct$/, ''));
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls).toEqual([]);

    // The caller hangs up after 4 s: the extension's phone gets the switchboard's BYE, well before its own 30 s.
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    const started = Date.now();
    expect((await phone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await eventually(async () => ((await lab.ari<Bridge[]>('/ari/bridges')).body.length === 0 ? true : undefined), {
      what: 'the bridge gone',
    });
  });
});
