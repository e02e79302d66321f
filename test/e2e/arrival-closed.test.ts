import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AriPlayback, clockFrom, eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { startCaller } from '../support/sipp.js';

type CallView = { callId: string; state: string; outcome?: string; municipality: { id: string }; reason: string };
type QueueView = { calls: unknown[] };

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  // Juldagen (a public holiday) at ten in the morning: a Friday, and every member is closed.
  lab = await startLabSwitchboard({ now: clockFrom('2026-12-25T10:00:00+01:00') });
});
afterAll(async () => {
  await lab?.stop();
});

describe('a call on a public holiday', () => {
  it('hears the holiday’s closed message and the alternatives, then the switchboard ends the call, recorded as closed', async () => {
    const started = Date.now();
    const caller = await startCaller(lab.asterisk, '093514100', {
      hangupAfterMs: 30_000,
      timeoutMs: 45_000,
    });
    // The call is recorded closed before the prompts play.
    const { callId } = await eventually(
      async () => (await lab.api<{ calls: CallView[] }>('GET', '/api/v1/calls?municipality=2460')).body.calls[0],
      { what: 'the call recorded' },
    );
    // What Asterisk plays to the caller's channel, asked of ARI (the playback is named after the call, as announcements are).
    const playback = (media: string) =>
      eventually(
        async () => {
          const { status, body } = await lab.ari<AriPlayback>(
            `/ari/playbacks/${encodeURIComponent(`${callId}-closed`)}`,
          );
          return status === 200 && body.media_uri === media ? body : undefined;
        },
        { what: `${media} playing`, timeoutMs: 8_000 },
      );
    expect(await playback('sound:regionvaxel/closed-holiday')).toMatchObject({
      target_uri: `channel:${callId}`,
      language: 'sv',
      next_media_uri: 'sound:regionvaxel/closed-alternatives',
    });
    expect((await playback('sound:regionvaxel/closed-alternatives')).next_media_uri).toBeUndefined();

    const result = await caller.done;
    const elapsed = Date.now() - started;
    expect(result.stats).toMatchObject({ successful: 1, failed: 0 });
    // The switchboard hung up (well before the caller's own 30 s), after the two prompts
    // ("Idag är det helgdag…" 3.4 s and "Vid nödsituation, ring 112…" 6.2 s) were played.
    expect(elapsed).toBeGreaterThan(9_000);
    expect(elapsed).toBeLessThan(25_000);

    const { body } = await lab.api<{ calls: CallView[] }>('GET', '/api/v1/calls?municipality=2460');
    expect(body.calls).toHaveLength(1);
    expect(body.calls[0]).toMatchObject({
      state: 'ended',
      outcome: 'closed',
      reason: 'main-number',
      municipality: { id: '2460' },
    });
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls).toEqual([]);
    // Nothing is left in Asterisk.
    await eventually(async () => ((await lab.ari<unknown[]>('/ari/channels')).body.length === 0 ? true : undefined), {
      what: 'no channels left',
    });
  });
});
