import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AriPlayback, eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';

type QueueView = { calls: Array<{ callId: string }> };

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  // Vännäs announces every 5 s here (45 s by default).
  lab = await startLabSwitchboard({
    adjustRegion: (region) => ({
      ...region,
      municipalities: region.municipalities.map((m) =>
        m.id === '2460' ? { ...m, queuePolicy: { ...m.queuePolicy, announceEverySeconds: 5 } } : m,
      ),
    }),
  });
});
afterAll(async () => {
  await lab?.stop();
});

/** The named playback while Asterisk plays it (ARI forgets a playback once it ended). */
const playing = (playbackId: string, timeoutMs: number) =>
  eventually(
    async () => {
      const { status, body } = await lab.ari<AriPlayback>(`/ari/playbacks/${encodeURIComponent(playbackId)}`);
      return status === 200 ? body : undefined;
    },
    { what: `playback ${playbackId}`, timeoutMs },
  );

describe('a caller waiting in the queue', () => {
  it('hears the municipality’s greeting in Swedish first, then their position, on their own channel in their holding bridge', async () => {
    const caller = await startCaller(lab.asterisk, '093514100', { hangupAfterMs: 14_000, timeoutMs: 60_000 });
    const { callId } = await eventually(
      async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls[0],
      { what: 'the call waiting' },
    );

    const greeting = await playing(`${callId}-greeting`, 3_000);
    expect(greeting).toMatchObject({
      media_uri: 'sound:regionvaxel/greeting-2460',
      target_uri: `channel:${callId}`,
      language: 'sv',
    });

    // 5 s after the greeting (4.6 s long): "Du är nummer ett i kön."
    const position = await playing(`${callId}-position`, 15_000);
    expect(position.target_uri).toBe(`channel:${callId}`);
    expect([position.media_uri, position.next_media_uri]).toEqual(
      expect.arrayContaining([expect.stringMatching(/^sound:regionvaxel\/(position-before|number-1|position-after)$/)]),
    );
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('is bridged with an operator who answers during the greeting at once, the greeting stopped (it plays on the caller’s channel)', async () => {
    const caller = await startCaller(lab.asterisk, '093514100', { hangupAfterMs: 20_000, timeoutMs: 60_000 });
    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 1,
      vars: { talk_ms: '1000' },
      timeoutMs: 60_000,
    });
    expect(
      (
        await lab.api('POST', '/api/v1/operator/session', {
          phone: `sip:operator@${phone.localIp}:${phone.localPort}`,
          municipalities: ['2460'],
        })
      ).status,
    ).toBe(201);
    const { callId } = await eventually(
      async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls[0],
      { what: 'the call waiting' },
    );
    await playing(`${callId}-greeting`, 3_000);
    const answered = Date.now();
    expect((await lab.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
      callId,
    );
    // Caller and operator together well before the greeting (4.6 s) would have ended.
    await eventually(
      async () => {
        const { status, body } = await lab.ari<{ channels: string[] }>(
          `/ari/bridges/${encodeURIComponent(`${callId}-talk`)}`,
        );
        return status === 200 && body.channels.length === 2 ? true : undefined;
      },
      { what: 'caller and operator bridged', timeoutMs: 3_000 },
    );
    expect(Date.now() - answered).toBeLessThan(3_000);
    expect((await lab.ari(`/ari/playbacks/${encodeURIComponent(`${callId}-greeting`)}`)).status).toBe(404);
    expect((await phone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('hears their position again after the switchboard restarted, without the greeting a second time', async () => {
    const caller = await startCaller(lab.asterisk, '093514100', { hangupAfterMs: 25_000, timeoutMs: 60_000 });
    const { callId } = await eventually(
      async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls[0],
      { what: 'the call waiting' },
    );
    await playing(`${callId}-greeting`, 3_000);
    // Stopped before its first announcement: that timer was the old process's.
    await lab.stopApp();
    await lab.startApp();

    const position = await playing(`${callId}-position`, 12_000);
    expect(position.target_uri).toBe(`channel:${callId}`);
    expect((await lab.ari(`/ari/playbacks/${encodeURIComponent(`${callId}-greeting`)}`)).status).toBe(404);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });
});
