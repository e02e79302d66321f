import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { wavDurationMs } from '../../src/calls/messages/voice-recording.js';
import { VOICE_MESSAGE_TEXTS } from '../../src/media/arrival/voice-message.js';
import { eventually, spokenTexts, startLabSwitchboard } from '../support/lab-switchboard.js';
import { startCaller, startSipp } from '../support/sipp.js';
import { startSmtpServer } from '../support/smtp.js';

type MessageView = {
  id: string;
  text: string;
  callerNumber?: string;
  createdBy: string;
  callId?: string;
  recordingMs?: number;
};
type CallView = {
  callId: string;
  outcome?: string;
  reason: string;
  extension?: string;
  state: string;

  enqueuedAt: string;
};

const VOICE_CALLER = resolve(import.meta.dirname, '../sipp/caller-voice-message.xml');
const actor = localActor('e2e voice message');

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  lab = await startLabSwitchboard({
    smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'vaxeln@vannas.example' },
  });
});
afterAll(async () => {
  await lab?.stop();
  await smtp?.stop();
});

/** An extension of Vännäs with a direct number, whose person (with an e-mail address) is on leave. */
async function absentWithEmail(extension: string, directNumber: string) {
  await lab.switchboard.admin.extensions.create(
    {
      extension,
      displayName: `Handläggare ${extension}`,
      municipalityId: '2460',
      directNumber,
      password: 'voice-message-secret',
    },
    actor,
  );
  const entry = await lab.switchboard.entries.create(
    {
      kind: 'person',
      givenName: 'Åsa',
      familyName: 'Lind',
      municipalityId: '2460',
      extension,
      email: `asa.lind.${extension}@vannas.example`,
      absence: { reason: 'leave', text: 'Föräldraledig' },
    },
    actor,
  );
  // Spoken once before the call (as after the first caller), so the timing of the SIPp caller's key press does not depend on espeak-ng's speed here.
  await Promise.all(
    ['Åsa Lind är ledig.', ...Object.values(VOICE_MESSAGE_TEXTS)].map((text) =>
      lab.switchboard.spokenTexts.mediaUri(text, 'sv'),
    ),
  );
  return entry;
}

/** The 16-bit samples of a WAV's data chunk that are not silence. */
function loudSamples(wav: Buffer): number {
  const data = wav.indexOf('data', 12, 'ascii');
  let loud = 0;
  for (let at = data + 8; at + 1 < wav.length; at += 2) if (Math.abs(wav.readInt16LE(at)) > 200) loud++;
  return loud;
}

describe.sequential('a message with a key press after the hänvisning', () => {
  // First: before any test has the offer spoken.
  it('is not offered for a person without an e-mail address (the message could not reach them): the queue at once', async () => {
    await lab.switchboard.admin.extensions.create(
      {
        extension: '2460303',
        displayName: 'Handläggare 2460303',
        municipalityId: '2460',
        directNumber: '0935-143 03',
        password: 'voice-message-secret',
      },
      actor,
    );
    await lab.switchboard.entries.create(
      {
        kind: 'person',
        givenName: 'Bo',
        familyName: 'Ek',
        municipalityId: '2460',
        extension: '2460303',
        absence: { reason: 'leave', text: 'Semester' },
      },
      actor,
    );
    const caller = await startCaller(lab.asterisk, '093514303', { hangupAfterMs: 8_000, timeoutMs: 60_000 });
    const waiting = await eventually(
      async () => (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls[0],
      { what: 'the caller in the queue', timeoutMs: 20_000 },
    );
    expect((await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(waiting.callId)}`)).body).toMatchObject({
      state: 'waiting',
      reason: 'extension-absent',
      extension: '2460303',
    });
    // The hänvisning was spoken, the offer never.
    const spoken = await spokenTexts(lab.switchboard);
    expect(spoken).toContain('Bo Ek är ledig.');
    expect(spoken).not.toContain(VOICE_MESSAGE_TEXTS.offer);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () =>
      (await lab.api<{ calls: unknown[] }>('GET', '/api/v1/queues/2460')).body.calls.length === 0 ? true : undefined,
    );
  });

  it('records what the caller says after pressing 1 into a message for the absent person: played through the API, mailed as a WAV, off the media node', async () => {
    const entry = await absentWithEmail('2460301', '0935-143 01');
    const caller = await startSipp({
      scenarioFile: VOICE_CALLER,
      remote: `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`,
      service: '093514301',
      timeoutMs: 60_000,
    });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });

    const message = await eventually(
      async () => {
        const { body } = await lab.api<{ messages: MessageView[] }>('GET', `/api/v1/messages?entryId=${entry.id}`);
        return body.messages[0];
      },
      { what: 'the voice message', timeoutMs: 15_000 },
    );
    // The caller spoke sip-tester's ~7 s of audio after the beep, and hung up half a second later.
    expect(message.recordingMs).toBeGreaterThanOrEqual(4_000);
    expect(message.recordingMs).toBeLessThanOrEqual(12_000);
    expect(message).toMatchObject({ callerNumber: '+46701234567', createdBy: 'röstbrevlåda' });
    expect(message.text).toMatch(/^Röstmeddelande \(0:\d\d\)$/);

    const response = await fetch(`${lab.switchboard.url}/api/v1/messages/${message.id}/recording`, {
      headers: { authorization: `Bearer ${lab.operatorToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await response.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wavDurationMs(wav)).toBe(message.recordingMs);
    // The caller's voice, not silence: a good part of the samples are loud.
    expect(loudSamples(wav)).toBeGreaterThan(8_000);

    // The call: a voice message, neither answered nor abandoned in a queue.
    const { body: call } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(message.callId!)}`);
    expect(call).toMatchObject({
      state: 'ended',
      outcome: 'voice-message',
      reason: 'extension-absent',
      extension: '2460301',
    });
    expect((await lab.api<{ calls: unknown[] }>('GET', '/api/v1/queues/2460')).body.calls).toEqual([]);

    // Mailed to the person with the recording attached.
    await vi.waitFor(
      () => expect(smtp.received.filter((m) => m.to.includes('asa.lind.2460301@vannas.example'))).toHaveLength(1),
      { timeout: 10_000 },
    );
    const mail = smtp.received.find((m) => m.to.includes('asa.lind.2460301@vannas.example'))!;
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.contentType).toBe('audio/wav');
    expect(mail.attachments[0]!.content.equals(wav)).toBe(true);

    // Redis has it; the media node no longer does.
    const { body: stored } = await lab.ari<{ name: string }[]>('/ari/recordings/stored');
    expect(stored.map((r) => r.name)).not.toContain(`${message.callId}-voice-message`);
  });

  it('sends a caller who presses nothing on to the queue after the offer, as before', async () => {
    await absentWithEmail('2460302', '0935-143 02');
    const started = Date.now();
    const caller = await startCaller(lab.asterisk, '093514302', { hangupAfterMs: 20_000, timeoutMs: 60_000 });
    const waiting = await eventually(
      async () => (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls[0],
      { what: 'the caller in the queue', timeoutMs: 20_000 },
    );
    const { body: call } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(waiting.callId)}`);
    expect(call).toMatchObject({
      state: 'waiting',
      reason: 'extension-absent',
      reasonDetail: 'leave: Föräldraledig',
      extension: '2460302',
    });
    // The hänvisning, the offer and its 5 s for a key came first.
    expect(Date.parse(call.enqueuedAt) - started).toBeGreaterThanOrEqual(5_000);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    const { body } = await lab.api<{ messages: MessageView[] }>('GET', '/api/v1/messages?municipality=2460');
    expect(body.messages.filter((m) => m.callId === waiting.callId)).toEqual([]);
  });
});
