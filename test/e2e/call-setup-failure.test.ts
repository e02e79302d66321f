import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AriPlayback, eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { startCaller } from '../support/sipp.js';

type CallView = { callId: string; state: string; outcome?: string };

const UMEA = '090161000';

/**
 * "Never answered and forgotten": a set-up step that fails or runs out of time after the answer
 * ends the call with the overload prompt, the outcome setup-failed and a hang-up, and leaves no
 * caller answered in no queue (media/arrival/call-set-up.ts).
 */
let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  // Redis with its append-only file: killed and started again, it still has the region, the calls and the token.
  lab = await startLabSwitchboard({ redisAof: true });
});
afterAll(async () => {
  await lab?.stop();
});

/** A caller who would wait 30 s (unless told otherwise): one hung up much sooner was hung up by the switchboard. */
const caller = (hangupAfterMs = 30_000) => startCaller(lab.asterisk, UMEA, { hangupAfterMs, timeoutMs: 45_000 });

/** The caller's channel, as Asterisk has it (the call id is the caller's channel id). */
const callerChannel = () =>
  eventually(async () => (await lab.ari<{ id: string }[]>('/ari/channels')).body[0]?.id, {
    what: 'the caller in Asterisk',
    timeoutMs: 15_000,
  });

/** The overload prompt playing to the caller, as Asterisk reports it. */
const overloadPrompt = (callId: string) =>
  eventually(
    async () => {
      const { status, body } = await lab.ari<AriPlayback>(
        `/ari/playbacks/${encodeURIComponent(`${callId}-overloaded`)}`,
      );
      return status === 200 ? body : undefined;
    },
    { what: 'the overload prompt playing', timeoutMs: 15_000 },
  );

/** Nothing left in Asterisk: no caller, no holding bridge. */
async function nothingLeft() {
  await eventually(async () => ((await lab.ari<unknown[]>('/ari/channels')).body.length === 0 ? true : undefined), {
    what: 'no channels left',
  });
  await eventually(async () => ((await lab.ari<unknown[]>('/ari/bridges')).body.length === 0 ? true : undefined), {
    what: 'no bridges left',
  });
}

/** The call's record once ended, and the proof that no call is left active or waiting. */
async function endedRecord(callId: string, timeoutMs = 10_000) {
  const ended = await eventually(
    async () => {
      const call = await lab.switchboard.queue.get(callId).catch(() => null);
      return call?.state === 'ended' ? call : undefined;
    },
    { what: `call ${callId} recorded as ended`, timeoutMs },
  );
  expect(await lab.switchboard.queue.activeCallIds()).toEqual([]);
  expect((await lab.api<{ calls: unknown[] }>('GET', '/api/v1/queues/2480')).body.calls).toEqual([]);
  return ended;
}

describe.sequential('a set-up step that fails after the answer', () => {
  it('an ARI request that times out: the caller hears the overload prompt and is hung up, the call ends as setup-failed', async () => {
    // Every set-up step must finish within 1 ms: the first ARI request of the set-up runs out of time.
    await lab.stopApp();
    await lab.startApp({ setUpTimeoutMs: 1 });
    try {
      const started = Date.now();
      const sipp = await caller();
      const callId = await callerChannel();
      expect(await overloadPrompt(callId)).toMatchObject({
        media_uri: 'sound:regionvaxel/overloaded',
        target_uri: `channel:${callId}`,
        language: 'sv',
      });

      const result = await sipp.done;
      // Answered (200 OK), told, and hung up by the switchboard after the prompt (about 3 s), long before the caller's own 30 s.
      expect(result.stats, result.errors).toMatchObject({ successful: 1, failed: 0 });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await endedRecord(callId)).toMatchObject({
        outcome: 'setup-failed',
        municipalityId: '2480',
        reason: 'main-number',
      });
      expect((await lab.api<CallView>('GET', `/api/v1/calls/${callId}`)).body).toMatchObject({
        state: 'ended',
        outcome: 'setup-failed',
      });
      await nothingLeft();
    } finally {
      await lab.stopApp();
      await lab.startApp();
    }
  });

  it('Redis unreachable after the answer: the caller hears the overload prompt and is hung up; the call is recorded as setup-failed once Redis is back', async () => {
    // A call first, so that what callers meet (hours, policy) is cached, as on a switchboard that has been running.
    const warm = await caller(2_000);
    const warmId = await callerChannel();
    await eventually(async () => ((await lab.switchboard.queue.get(warmId))?.state === 'waiting' ? true : undefined), {
      what: 'the first call queued',
    });
    await warm.done;
    await nothingLeft();

    // Redis goes away: routing, admission, hours and the answer need none of it; the enqueue does.
    await lab.redis.kill();
    let down = true;
    let sipp: Awaited<ReturnType<typeof caller>> | undefined;
    try {
      const started = Date.now();
      sipp = await caller();
      const callId = await callerChannel();
      expect(await overloadPrompt(callId)).toMatchObject({
        media_uri: 'sound:regionvaxel/overloaded',
        target_uri: `channel:${callId}`,
      });
      const result = await sipp.done;
      expect(result.stats, result.errors).toMatchObject({ successful: 1, failed: 0 });
      expect(Date.now() - started).toBeLessThan(15_000);
      await nothingLeft();

      await lab.redis.restart();
      down = false;
      // Written as soon as Redis answers again (the app retries it), never as a call waiting in a queue.
      expect(await endedRecord(callId, 30_000)).toMatchObject({ outcome: 'setup-failed', municipalityId: '2480' });
    } finally {
      await sipp?.stop();
      if (down) await lab.redis.restart();
    }
  });
});
