import { describe, expect, it, vi } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createMessageRetention } from '../../src/calls/messages/message-retention.js';
import { VOICE_MAILBOX, voiceMessageText } from '../../src/calls/messages/voice-recording.js';
import { buildTestApp } from '../support/http-app.js';
import { ANNA_BERG, useCleanups } from '../support/messages.js';
import { useRedis } from '../support/redis.js';
import { startSmtpServer } from '../support/smtp.js';
import { UMEA } from '../support/municipalities.js';
import { toneWav } from '../support/wav.js';

const ctx = useRedis();
const DAY_MS = 86_400_000;

const cleanups = useCleanups();

/** The switchboard's wiring on a real Redis, with Anna of Vännäs (an e-mail address) and, with `smtp`, delivery to it. */
async function setup(smtp?: { port: number }) {
  const t = await buildTestApp(
    ctx,
    smtp && {
      messageDelivery: {
        smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'vaxeln@vannas.example' },
        timing: { pollMs: 50 },
      },
    },
  );
  if (t.messageDelivery) {
    t.messageDelivery.start();
    cleanups.push(() => t.messageDelivery!.stop());
  }
  const anna = await t.entries.create(
    {
      ...ANNA_BERG,
    },
    localActor('test setup'),
  );
  const wav = toneWav(2_300);
  /** A voice message as media/arrival/voice-message.ts takes one. */
  const leave = () =>
    t.callControl.messages.create(
      {
        entryId: anna.id,
        callerNumber: '+46701234567',
        text: voiceMessageText(2_300),
        callId: 'call-1',
        recording: { wav, durationMs: 2_300 },
      },
      VOICE_MAILBOX,
    );
  const recording = (id: string, token: string) =>
    t.app.request(`/api/v1/messages/${id}/recording`, { headers: { authorization: `Bearer ${token}` } });
  return { t, anna, wav, leave, recording };
}

describe('voice messages in the store (real Redis)', () => {
  it('are messages like the operators’, taken by the voice mailbox, listed with their length, and their WAV is played through the API', async () => {
    const { t, anna, wav, leave, recording } = await setup();
    const message = await leave();
    const operator = await t.tokenFor('operator');
    const { body } = await t.call('GET', `/api/v1/messages?entryId=${anna.id}`, { auth: operator });
    expect(body.messages).toEqual([
      expect.objectContaining({
        id: message.id,
        recipientName: 'Anna Berg',
        callerNumber: '+46701234567',
        callerNumberDisplay: '070-123 45 67',
        text: 'Röstmeddelande (0:02)',
        createdBy: 'röstbrevlåda',
        recordingMs: 2_300,
      }),
    ]);

    const played = await recording(message.id, operator);
    expect(played.status).toBe(200);
    expect(played.headers.get('content-type')).toBe('audio/wav');
    expect(played.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await played.arrayBuffer()).equals(wav)).toBe(true);
  });

  it('answer 404 for a message without a recording and for no message, and 403 to another municipality’s admin', async () => {
    const { t, anna, leave, recording } = await setup();
    const operator = await t.tokenFor('operator');
    const written = await t.callControl.messages.create({ entryId: anna.id, text: 'Ring tillbaka' }, 'operator-1');
    const none = await recording(written.id, operator);
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('recording_not_found');
    const missing = await recording('no-such-message', operator);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('message_not_found');
    const umeaAdmin = await t.tokenFor('municipality-admin', UMEA);
    expect((await recording((await leave()).id, umeaAdmin)).status).toBe(403);
  });

  it('go whole at their retention: the recording with its message, in the same script', async () => {
    const { t, leave } = await setup();
    const message = await leave();
    expect(await ctx.redis.exists(ctx.k.messageRecording(message.id))).toBe(1);
    const retention = createMessageRetention(ctx.redis, ctx.k, {
      retentionDays: 90,
      now: async () => message.createdAt + 90 * DAY_MS + 1,
    });
    expect(await retention.prune()).toEqual({ removed: 1 });
    expect(await t.callControl.messages.get(message.id)).toBeNull();
    expect(await t.callControl.messages.recording(message.id)).toBeNull();
    expect(await ctx.redis.exists(ctx.k.messageRecording(message.id))).toBe(0);
  });

  it('are mailed to the person with the recording attached as a WAV (real SMTP server)', async () => {
    const smtp = await startSmtpServer();
    cleanups.push(smtp.stop);
    const { wav, leave } = await setup(smtp);
    const message = await leave();
    expect(message.delivery).toEqual({ state: 'pending', attempts: 0 });
    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), { timeout: 5_000 });
    const [mail] = smtp.received;
    expect(mail!.to).toEqual(['anna.berg@vannas.example']);
    expect(mail!.subject).toBe('Meddelande från växeln: 070-123 45 67 ringde');
    expect(mail!.text).toContain('Meddelande:\nRöstmeddelande (0:02)');
    expect(mail!.text).toContain('Inspelningen är bifogad som ljudfil.');
    expect(mail!.attachments).toHaveLength(1);
    expect(mail!.attachments[0]).toMatchObject({ filename: 'rostmeddelande.wav', contentType: 'audio/wav' });
    expect(mail!.attachments[0]!.content.equals(wav)).toBe(true);
  });
});
