import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort } from '../../src/lab/free-port.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { runCaller, SCENARIOS, startCaller, startSipp } from '../support/sipp.js';

type CallView = {
  callId: string;
  state: string;
  outcome?: string;
  waitSeconds?: number;
  talkSeconds?: number;
  answeredBy?: string;
};
type QueueView = { calls: Array<{ callId: string; position: number }> };

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let sipTarget: string;
beforeAll(async () => {
  // Operators' phones ring 3 s here, so the unanswered-phone case is quick.
  lab = await startLabSwitchboard({ ringSeconds: 3 });
  sipTarget = `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`;
});
afterAll(async () => {
  await lab?.stop();
});

const call = (dialled: string, hangupAfterMs: number) =>
  startCaller(sipTarget, dialled, { hangupAfterMs, timeoutMs: 60_000 });

const waitingIn = (municipalityId: string) =>
  eventually(
    async () => {
      const { body } = await lab.api<QueueView>('GET', `/api/v1/queues/${municipalityId}`);
      return body.calls[0];
    },
    { what: `a call waiting in ${municipalityId}` },
  );

const ended = (callId: string) =>
  eventually(
    async () => {
      const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(callId)}`);
      return body.state === 'ended' ? body : undefined;
    },
    { what: `call ${callId} to end` },
  );

async function loginOperator(phonePort: number) {
  const login = await lab.api('POST', '/api/v1/operator/session', {
    phone: `sip:operator@127.0.0.1:${phonePort}`,
    municipalities: ['2480', '2460', '2284'],
  });
  expect(login.status).toBe(201);
}

// One operator token serves the whole file, so these run one after the other.
describe.sequential('how calls end', () => {
  it('records a caller who hangs up while waiting as abandoned, with the waiting time, and removes exactly that call', async () => {
    const staying = await call('066088000', 5_000);
    const leaving = await call('090161000', 1_500);
    const waiting = await waitingIn('2480');
    await waitingIn('2284');

    const record = await ended(waiting.callId);
    expect(record.outcome).toBe('abandoned');
    expect(record.waitSeconds).toBeGreaterThanOrEqual(1.3);
    expect(record.talkSeconds).toBeUndefined();
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2480')).body.calls).toEqual([]);
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2284')).body.calls).toHaveLength(1);
    expect((await leaving.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await staying.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2284')).body.calls).toEqual([]);
  });

  it('ends the talk when the caller hangs up, frees the operator and hangs up the operator’s phone', async () => {
    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 1,
      vars: { talk_ms: '30000' },
      timeoutMs: 60_000,
    });
    await loginOperator(phone.localPort);
    const caller = await call('093514100', 2_500);
    const waiting = await waitingIn('2460');
    const taken = await lab.api<{ call: CallView }>('POST', '/api/v1/operator/answer-next');
    expect(taken.body.call.callId).toBe(waiting.callId);

    const record = await ended(waiting.callId);
    expect(record.outcome).toBe('answered');
    expect(record.talkSeconds).toBeGreaterThan(0);
    expect(record.waitSeconds! + record.talkSeconds!).toBeGreaterThanOrEqual(2.3);
    expect((await lab.api<{ state: string }>('GET', '/api/v1/operator/session')).body.state).toBe('available');
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    // The phone got the switchboard's BYE well before its own 30 s.
    expect((await phone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('puts the call back in its original place when the operator’s phone does not answer', async () => {
    const nobodyThere = await freeUdpPort();
    await loginOperator(nobodyThere);
    const first = await call('093514100', 8_000);
    const firstWaiting = await waitingIn('2460');
    const second = await call('093514100', 8_000);
    await eventually(async () =>
      (await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls.length === 2 ? true : undefined,
    );

    const taken = await lab.api<{ call: CallView }>('POST', '/api/v1/operator/answer-next');
    expect(taken.body.call).toMatchObject({ callId: firstWaiting.callId, state: 'connecting' });
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2460')).body.calls).toHaveLength(1);

    // After the 3 s of ringing the call is first in line again, and the operator may take the next.
    const back = await eventually(
      async () => {
        const { body } = await lab.api<QueueView>('GET', '/api/v1/queues/2460');
        return body.calls.length === 2 ? body.calls : undefined;
      },
      { what: 'the call back in the queue', timeoutMs: 15_000 },
    );
    expect(back[0]).toMatchObject({ callId: firstWaiting.callId, position: 1 });
    expect((await lab.api<{ state: string }>('GET', '/api/v1/operator/session')).body.state).toBe('available');

    await lab.api('DELETE', '/api/v1/operator/session');
    for (const caller of [first, second]) expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('turns away a number that is not the region’s at once (SIP 404) and queues nothing', async () => {
    const result = await runCaller(sipTarget, '0701234567', { timeoutMs: 20_000 });
    expect(result.stats).toMatchObject({ successful: 0, failed: 1 });
    expect(result.errors).toMatch(/404/);
    const { body } = await lab.api<{ queues: QueueView[] }>('GET', '/api/v1/queues');
    expect(body.queues.flatMap((q) => q.calls)).toEqual([]);
  });
});
