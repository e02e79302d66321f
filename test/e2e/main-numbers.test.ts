import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatForDisplay } from '../../src/numbers/phone-number.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, type SippProcess, startCaller, startSipp } from '../support/sipp.js';

type QueueView = {
  municipality: { id: string; name: string };
  calls: Array<{
    callId: string;
    position: number;
    waitingSeconds: number;
    calledNumberDisplay: string;
    callerDisplay: string;
    enqueuedAt: string;
  }>;
};
type CallView = {
  callId: string;
  state: string;
  outcome?: string;
  answeredBy?: string;
  waitSeconds?: number;
  talkSeconds?: number;
  municipality: { id: string };
};

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  lab = await startLabSwitchboard();
});
afterAll(async () => {
  await lab?.stop();
});

describe('a citizen calls a municipality and reaches an operator (SIPp → Asterisk → ARI → Redis → operator phone)', () => {
  it('puts a call to each of the seven main numbers in its own municipality’s queue, and one operator answers them all in order', async () => {
    const sipTarget = `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`;
    const municipalities = lab.region.municipalities;
    expect(municipalities).toHaveLength(7);

    // Seven citizens, each calling one main number as dialled nationally, waiting for up to a minute.
    const callers: SippProcess[] = [];
    for (const [i, m] of municipalities.entries()) {
      const dialled = formatForDisplay(m.mainNumbers[0]!).replace(/\D/g, '');
      callers.push(
        await startCaller(sipTarget, dialled, {
          hangupAfterMs: 60_000,
          callerNumber: `07012345${String(i).padStart(2, '0')}`,
          timeoutMs: 120_000,
        }),
      );
    }

    const queues = await eventually(
      async () => {
        const { body } = await lab.api<{ queues: QueueView[] }>('GET', '/api/v1/queues');
        return body.queues.every((q) => q.calls.length === 1) ? body.queues : undefined;
      },
      { what: 'one waiting call in each of the seven queues' },
    );
    for (const m of municipalities) {
      const queue = queues.find((q) => q.municipality.id === m.id);
      expect(queue?.municipality.name).toBe(m.name);
      expect(queue?.calls[0]).toMatchObject({ position: 1, calledNumberDisplay: formatForDisplay(m.mainNumbers[0]!) });
      expect(queue?.calls[0]?.waitingSeconds).toBeGreaterThanOrEqual(0);
    }
    // Waiting time is live: read again, it has grown.
    const vannas = queues.find((q) => q.municipality.id === '2460')!.calls[0]!;
    await new Promise((r) => setTimeout(r, 300));
    const again = await lab.api<QueueView>('GET', '/api/v1/queues/2460');
    expect(again.body.calls[0]!.waitingSeconds).toBeGreaterThan(vannas.waitingSeconds);

    // The operator's phone answers by itself and hangs up after a second of talk, seven times.
    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 7,
      vars: { talk_ms: '1000' },
      timeoutMs: 120_000,
    });
    const login = await lab.api('POST', '/api/v1/operator/session', {
      phone: `sip:operator@${phone.localIp}:${phone.localPort}`,
      municipalities: municipalities.map((m) => m.id),
    });
    expect(login.status).toBe(201);

    const enqueuedAt = new Map(queues.flatMap((q) => q.calls).map((c) => [c.callId, c.enqueuedAt]));
    const answeredOrder: string[] = [];
    for (let n = 0; n < 7; n++) {
      const taken = await lab.api<{ call: CallView; greeting: string }>('POST', '/api/v1/operator/answer-next');
      expect(taken.status).toBe(200);
      const { callId } = taken.body.call;
      answeredOrder.push(callId);
      const municipality = municipalities.find((m) => m.id === taken.body.call.municipality.id)!;
      expect(taken.body.greeting).toBe(municipality.greeting);

      // Asterisk itself shows the caller and the operator's leg in one bridge.
      const bridged = await eventually(
        async () => {
          const { status, body } = await lab.ari<{ channels: string[] }>(
            `/ari/bridges/${encodeURIComponent(`${callId}-talk`)}`,
          );
          return status === 200 && body.channels.length === 2 ? body.channels : undefined;
        },
        { what: `caller and operator bridged for ${municipality.name}` },
      );
      expect(bridged.sort()).toEqual([callId, `${callId}-op1`].sort());

      const ended = await eventually(
        async () => {
          const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(callId)}`);
          return body.state === 'ended' ? body : undefined;
        },
        { what: `the call to ${municipality.name} to end` },
      );
      expect(ended).toMatchObject({ outcome: 'answered', answeredBy: lab.operatorId });
      expect(ended.waitSeconds).toBeGreaterThan(0);
      expect(ended.talkSeconds).toBeGreaterThanOrEqual(0.9);
      // The operator is free for the next call as soon as the last one ended.
      await eventually(async () =>
        (await lab.api<{ state: string }>('GET', '/api/v1/operator/session')).body.state === 'available'
          ? true
          : undefined,
      );
    }
    // Longest waiting first, across all the queues the operator serves (calls of the same millisecond in either order).
    const answeredArrivals = answeredOrder.map((id) => enqueuedAt.get(id)!);
    expect(new Set(answeredOrder).size).toBe(7);
    expect(answeredArrivals).toEqual([...answeredArrivals].sort());

    expect((await lab.api<{ call: null }>('POST', '/api/v1/operator/answer-next')).body.call).toBeNull();
    const after = await lab.api<{ queues: QueueView[] }>('GET', '/api/v1/queues');
    expect(after.body.queues.flatMap((q) => q.calls)).toEqual([]);

    // Every SIP dialogue completed: the callers were hung up on by the switchboard, the phone took seven calls.
    for (const caller of callers) {
      const result = await caller.done;
      expect(result.stats, result.errors).toMatchObject({ successful: 1, failed: 0 });
    }
    expect((await phone.done).stats).toMatchObject({ successful: 7, failed: 0 });

    const records = await lab.api<{ calls: CallView[] }>('GET', '/api/v1/calls?limit=20');
    expect(
      records.body.calls
        .filter((c) => c.outcome === 'answered')
        .map((c) => c.municipality.id)
        .sort(),
    ).toEqual(municipalities.map((m) => m.id).sort());
  }, 180_000);
});
