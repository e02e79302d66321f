import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startSipp } from '../support/sipp.js';
import { controlHelpers, startLabWithCarrier } from './call-control-support.js';

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
/** Where the carrier's far end listens: a SIPp UAS receives what the switchboard dials out. */
let carrierPort: number;
beforeAll(async () => {
  ({ lab, h, carrierPort } = await startLabWithCarrier());
});
afterAll(async () => {
  await lab?.stop();
});

type Queue = { calls: { callId: string; position: number }[] };

describe.sequential('hold, park and call-backs', () => {
  it('hold: the caller goes to holding and hears music, the operator stays alone in the talk bridge; unhold brings them back and the music stops', async () => {
    const operatorPhone = await h.answeringPhone(1);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);
    // Talking to an operator's phone that sends no audio (SIPp): nothing reaches the caller.
    expect(await h.sentToCallerDuring(callId, 1_000)).toBeLessThan(5);

    const hold = await lab.api<{ control: string }>('POST', `/api/v1/calls/${callId}/hold`);
    expect(hold).toMatchObject({ status: 200, body: { control: 'held' } });
    await h.bridgeWith(`${callId}-hold`, [callId]);
    await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`]);
    // On hold the caller's phone gets a steady stream: the music on hold (nothing else plays in the holding bridge).
    expect(await h.sentToCallerDuring(callId, 2_000)).toBeGreaterThan(75);
    expect((await lab.api('POST', `/api/v1/calls/${callId}/hold`)).status).toBe(409);

    const unhold = await lab.api<{ control?: string }>('POST', `/api/v1/calls/${callId}/unhold`);
    expect(unhold.status).toBe(200);
    expect(unhold.body.control).toBeUndefined();
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    await h.bridgeGone(`${callId}-hold`);
    // The music stopped with the hold.
    expect(await h.sentToCallerDuring(callId, 1_500)).toBeLessThan(5);
    expect((await lab.api('POST', `/api/v1/calls/${callId}/unhold`)).status).toBe(409);

    expect((await lab.api('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(200);
    expect(await h.callWhere(callId, 'ended', (c) => c.state === 'ended')).toMatchObject({ outcome: 'answered' });
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('park: the operator is released, the call waits in the municipality’s park; another operator retrieves it', async () => {
    const firstPhone = await h.answeringPhone(1);
    const secondPhone = await h.answeringPhone(1);
    const other = await h.operatorClient('second operator');
    await h.login(lab.api, firstPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    const park = await lab.api<{ control: string }>('POST', `/api/v1/calls/${callId}/park`);
    expect(park).toMatchObject({ status: 200, body: { control: 'parked' } });
    expect(await h.operatorState()).toBe('available');
    expect((await firstPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    // The operator has let go of it: no hanging up a parked call.
    expect((await lab.api('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(409);
    await h.bridgeWith(`${callId}-hold`, [callId]);
    await h.bridgeGone(`${callId}-talk`);
    const parked = await lab.api<{ calls: { callId: string; parkedBy: string }[] }>('GET', '/api/v1/parks/2460');
    expect(parked.body.calls).toEqual([expect.objectContaining({ callId, parkedBy: lab.operatorId })]);

    await h.login(other.api, secondPhone.localPort);
    const retrieve = await other.api<{ state: string }>('POST', `/api/v1/calls/${callId}/retrieve`);
    expect(retrieve).toMatchObject({ status: 200, body: { state: 'connecting' } });
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op2`]);
    expect(await h.record(callId)).toMatchObject({ state: 'answered', operatorId: other.id });
    expect((await lab.api<{ calls: unknown[] }>('GET', '/api/v1/parks/2460')).body.calls).toEqual([]);
    // Not parked any more: a second retrieve is a conflict; the first operator cannot control it.
    expect((await lab.api('POST', `/api/v1/calls/${callId}/retrieve`)).status).toBe(409);
    expect((await lab.api('POST', `/api/v1/calls/${callId}/hold`)).status).toBe(403);

    expect((await other.api('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(200);
    await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await secondPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await Promise.all([lab.api('DELETE', '/api/v1/operator/session'), other.api('DELETE', '/api/v1/operator/session')]);
  });

  it('blind transfer to an external number leaves through the carrier trunk', async () => {
    const operatorPhone = await h.answeringPhone(1);
    const carrier = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      localPort: carrierPort,
      calls: 1,
      vars: { talk_ms: '2000' },
      timeoutMs: 60_000,
    });
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    const transfer = await lab.api<{ transferTarget: string }>('POST', `/api/v1/calls/${callId}/transfer`, {
      number: '090-12 34 56',
    });
    expect(transfer).toMatchObject({ status: 200, body: { transferTarget: '+4690123456' } });
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    // The carrier's far end hangs up after 2 s: the call ends for the caller too.
    expect(await h.callWhere(callId, 'ended', (c) => c.state === 'ended')).toMatchObject({
      transferTargetKind: 'external',
      transferOutcome: 'answered',
    });
    for (const done of [carrier.done, sipp.done, operatorPhone.done])
      expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('a call-back keeps the caller’s place: taken before a later caller, and dialled out through the carrier', async () => {
    const operatorPhone = await h.answeringPhone(1);
    const carrier = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      localPort: carrierPort,
      calls: 1,
      vars: { talk_ms: '3000' },
      timeoutMs: 60_000,
    });
    await h.login(lab.api, operatorPhone.localPort);
    const a = await h.caller('093514100', 30_000);
    const aWaiting = await h.firstWaiting('2460');
    const b = await h.caller('093514100', 20_000);
    await h.callWhere(aWaiting.callId, 'waiting', (c) => c.state === 'waiting');
    const queueOf = async () => (await lab.api<Queue>('GET', '/api/v1/queues/2460')).body.calls;
    const bWaiting = (await eventuallyTwo(queueOf))[1]!;

    const booked = await lab.api<{
      callback: { callId: string; state: string; caller: string };
      call: { outcome: string };
    }>('POST', `/api/v1/calls/${aWaiting.callId}/callback`, {});
    expect(booked.status).toBe(201);
    expect(booked.body.callback).toMatchObject({
      callId: `${aWaiting.callId}-cb`,
      state: 'waiting',
      caller: '+46701234567',
    });
    expect(booked.body.call.outcome).toBe('callback-booked');
    // The caller A is released (the switchboard hangs up); the call-back stands first, before B.
    expect((await a.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await queueOf()).map((c) => c.callId)).toEqual([`${aWaiting.callId}-cb`, bWaiting.callId]);

    const taken = await lab.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next');
    expect(taken.body.call.callId).toBe(`${aWaiting.callId}-cb`);
    // The operator answers; the switchboard dials the citizen through the trunk; the carrier's SIPp answers.
    const cb = `${aWaiting.callId}-cb`;
    await h.bridgeWith(`${cb}-talk`, [`${cb}-dial`, `${cb}-op1`]);
    expect((await h.record(cb)).dialAnsweredAt).toBeGreaterThan(0);
    // The citizen hangs up after 3 s: the call-back ends, the operator's phone is hung up.
    expect(await h.callWhere(cb, 'ended', (c) => c.state === 'ended')).toMatchObject({
      outcome: 'answered',
      kind: 'callback',
      callbackOf: aWaiting.callId,
    });
    expect((await carrier.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await queueOf()).map((c) => c.callId)).toEqual([bWaiting.callId]);

    // A call-back wished from a later time waits outside the queue until then, and keeps B's place.
    const from = new Date(Date.now() + 2_000).toISOString();
    const later = await lab.api<{ callback: { state: string } }>('POST', `/api/v1/calls/${bWaiting.callId}/callback`, {
      from,
    });
    expect(later.body.callback.state).toBe('scheduled');
    expect(await queueOf()).toEqual([]);
    expect((await b.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await h.callWhere(`${bWaiting.callId}-cb`, 'in the queue at its window', (c) => c.state === 'waiting', 6_000);
    expect((await queueOf()).map((c) => c.callId)).toEqual([`${bWaiting.callId}-cb`]);
    await lab.api('DELETE', '/api/v1/operator/session');

    // A restart's reconcile leaves a waiting call-back alone (it has no channel until dialled).
    await lab.stopApp();
    await lab.startApp();
    expect((await queueOf()).map((c) => c.callId)).toEqual([`${bWaiting.callId}-cb`]);
  });

  it('a call-back needs a call that waits or is answered, and a window that makes sense', async () => {
    const bad = await lab.api<{ error: { message: string } }>('POST', '/api/v1/calls/x/callback', {
      from: '2026-11-27T13:00:00+01:00',
      to: '2026-11-27T12:00:00+01:00',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.to/);
    expect((await lab.api('POST', '/api/v1/calls/nope/callback', {})).status).toBe(404);
  });
});

async function eventuallyTwo(read: () => Promise<Queue['calls']>): Promise<Queue['calls']> {
  for (let i = 0; i < 200; i++) {
    const calls = await read();
    if (calls.length === 2) return calls;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('two calls never waited');
}
