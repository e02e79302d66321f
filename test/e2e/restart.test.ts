import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';

type CallView = { callId: string; state: string; outcome?: string; waitSeconds?: number };
type QueueView = { calls: Array<{ callId: string; position: number }> };

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  lab = await startLabSwitchboard();
});
afterAll(async () => {
  await lab?.stop();
});

it('comes back to the truth after the app was down: waiting calls still wait, a caller who left meanwhile is abandoned', async () => {
  const sipTarget = `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`;
  const call = (hangupAfterMs: number) => startCaller(sipTarget, '093314000', { hangupAfterMs, timeoutMs: 60_000 });
  const patient = await call(30_000);
  // One after the other, so that waiting[1] is the impatient caller even on a busy machine.
  await eventually(async () =>
    (await lab.api<QueueView>('GET', '/api/v1/queues/2404')).body.calls.length === 1 ? true : undefined,
  );
  const impatient = await call(2_000);
  const waiting = await eventually(async () => {
    const { body } = await lab.api<QueueView>('GET', '/api/v1/queues/2404');
    return body.calls.length === 2 ? body.calls : undefined;
  });

  await lab.stopApp();
  // While nobody listens to Asterisk's events the impatient caller hangs up.
  expect((await impatient.done).stats).toMatchObject({ successful: 1, failed: 0 });
  await lab.startApp();

  const left = (await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(waiting[1]!.callId)}`)).body;
  expect(left).toMatchObject({ state: 'ended', outcome: 'abandoned' });
  const still = (await lab.api<QueueView>('GET', '/api/v1/queues/2404')).body.calls;
  expect(still).toEqual([expect.objectContaining({ callId: waiting[0]!.callId, position: 1 })]);

  // And the call that waited through the restart is answered as usual.
  const phone = await startSipp({
    scenarioFile: SCENARIOS.operatorPhone,
    calls: 1,
    vars: { talk_ms: '1000' },
    timeoutMs: 60_000,
  });
  await lab.api('POST', '/api/v1/operator/session', {
    phone: `sip:operator@127.0.0.1:${phone.localPort}`,
    municipalities: ['2404'],
  });
  const taken = await lab.api<{ call: CallView }>('POST', '/api/v1/operator/answer-next');
  expect(taken.body.call.callId).toBe(waiting[0]!.callId);
  const record = await eventually(async () => {
    const { body } = await lab.api<CallView & { outcome?: string }>(
      'GET',
      `/api/v1/calls/${encodeURIComponent(waiting[0]!.callId)}`,
    );
    return body.state === 'ended' ? body : undefined;
  });
  expect(record.outcome).toBe('answered');
  expect((await phone.done).stats).toMatchObject({ successful: 1, failed: 0 });
  await patient.done;
});

it('reconnects to Asterisk by itself after Asterisk restarts: calls lost with it are ended, new calls are queued again', async () => {
  const caller = await startCaller(lab.asterisk, '093414000', {
    hangupAfterMs: 30_000,
    timeoutMs: 60_000,
  });
  const lost = await eventually(async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2409')).body.calls[0]);

  await lab.restartAsterisk(1_500);
  await caller.stop();

  // The websocket comes back without anyone restarting the app, and the app says so.
  const health = await eventually(
    async () => {
      // The detail needs a token (the operator's); without one /health says only ok or not.
      const { status, body } = await lab.api<{ ari: { ok: boolean } }>('GET', '/health');
      return status === 200 ? body : undefined;
    },
    { what: 'ARI reconnected', timeoutMs: 30_000 },
  );
  expect(health.ari.ok).toBe(true);
  const record = await eventually(async () => {
    const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(lost.callId)}`);
    return body.state === 'ended' ? body : undefined;
  });
  expect(record.outcome).toBe('abandoned');

  const next = await startCaller(lab.asterisk, '093414000', {
    hangupAfterMs: 1000,
    timeoutMs: 30_000,
  });
  await eventually(async () => (await lab.api<QueueView>('GET', '/api/v1/queues/2409')).body.calls[0]);
  expect((await next.done).stats).toMatchObject({ successful: 1, failed: 0 });
});
