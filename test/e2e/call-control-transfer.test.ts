import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { startSipp } from '../support/sipp.js';
import { RINGING_PHONE, controlHelpers } from './call-control-support.js';

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
beforeAll(async () => {
  // A blind transfer comes back after 3 s here; phones ring 5 s.
  lab = await startLabSwitchboard({ ringSeconds: 5, callControl: { recallSeconds: 3 } });
  h = controlHelpers(lab);
});
afterAll(async () => {
  await lab?.stop();
});

// One operator token serves the whole file, so these run one after the other.
describe.sequential('transfers', () => {
  it('blind transfer to an extension: the operator is released at once, the extension’s phone answers and talks to the caller', async () => {
    const operatorPhone = await h.answeringPhone(1);
    const extensionPhone = await h.answeringPhone(1, 3_000);
    await h.bindExtension('2460100', extensionPhone.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    const transfer = await lab.api<{ control: string; transferTarget: string }>(
      'POST',
      `/api/v1/calls/${callId}/transfer`,
      { extension: '2460100' },
    );
    expect(transfer.status).toBe(200);
    expect(transfer.body).toMatchObject({ transferTarget: '2460100' });
    expect(await h.operatorState()).toBe('available');
    // The operator's phone was hung up by the switchboard (its BYE answered), long before its own 30 s.
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });

    // Asterisk bridges the caller with the extension's leg.
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    expect(await h.record(callId)).toMatchObject({
      state: 'answered',
      control: 'transferred',
      transferOutcome: 'answered',
      operatorId: lab.operatorId,
    });

    // The extension hangs up after 3 s of talk: the call ends and the caller gets a BYE.
    const ended = await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    expect(ended).toMatchObject({ outcome: 'answered', transferTarget: '2460100', transferOutcome: 'answered' });
    const shown = await lab.api('GET', `/api/v1/calls/${callId}/control`);
    expect(shown).toMatchObject({
      status: 200,
      body: {
        state: 'ended',
        outcome: 'answered',
        transferTarget: '2460100',
        transferMode: 'blind',
        transferOutcome: 'answered',
      },
    });
    expect((await extensionPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('recall: a blind transfer nobody answers comes back to the same operator, whose phone rings again', async () => {
    const operatorPhone = await h.answeringPhone(2);
    const ringing = await startSipp({ scenarioFile: RINGING_PHONE, calls: 1, timeoutMs: 60_000 });
    await h.bindExtension('2460101', ringing.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    const transfer = await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { extension: '2460101' });
    expect(transfer.status).toBe(200);
    // While the extension rings, the caller is in holding (music) and the operator is free.
    await h.bridgeWith(`${callId}-hold`, [callId]);
    expect(await h.record(callId)).toMatchObject({ control: 'transferring' });

    // After the 3 s recall time the extension stops ringing (CANCEL) and the operator's phone rings again.
    const recalled = await h.callWhere(
      callId,
      'recalled and answered',
      (c) => c.state === 'answered' && c.recallFrom === '2460101',
      15_000,
    );
    expect(recalled).toMatchObject({ transferOutcome: 'recalled', operatorId: lab.operatorId });
    expect((await ringing.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op2`]);

    const hangup = await lab.api('POST', `/api/v1/calls/${callId}/hangup`);
    expect(hangup.status).toBe(200);
    expect(await h.callWhere(callId, 'ended', (c) => c.state === 'ended')).toMatchObject({
      outcome: 'answered',
      recallFrom: '2460101',
    });
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 2, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('a caller who hangs up while the transfer rings leaves no ringing phone behind', async () => {
    const operatorPhone = await h.answeringPhone(1);
    const ringing = await startSipp({ scenarioFile: RINGING_PHONE, calls: 1, timeoutMs: 60_000 });
    await h.bindExtension('2460106', ringing.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api, '093514100', 2_000);
    await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { extension: '2460106' });

    // The caller hangs up at 2 s, before the 3 s recall: the extension stops ringing (CANCEL) at once.
    const ended = await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    expect(ended.outcome).toBe('answered');
    expect((await ringing.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await eventually(async () => ((await lab.ari<unknown[]>('/ari/channels')).body.length === 0 ? true : undefined), {
      what: 'no channel left in Asterisk',
    });
    expect(await h.operatorState()).toBe('available');
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('recall still happens when the target stopped ringing while the app was down (reconcile)', async () => {
    const operatorPhone = await h.answeringPhone(2);
    const ringing = await startSipp({ scenarioFile: RINGING_PHONE, calls: 1, timeoutMs: 60_000 });
    await h.bindExtension('2460105', ringing.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);
    await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { extension: '2460105' });

    // The app stops; Asterisk gives up ringing the extension after 3 s, unseen by anyone.
    await lab.stopApp();
    expect((await ringing.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.startApp();

    const recalled = await h.callWhere(
      callId,
      'recalled and answered',
      (c) => c.state === 'answered' && c.recallFrom === '2460105',
      15_000,
    );
    expect(recalled.transferOutcome).toBe('recalled');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op2`]);
    await lab.api('POST', `/api/v1/calls/${callId}/hangup`);
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 2, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('recall goes to the queue, at the call’s original place, when its operator is not available', async () => {
    const operatorPhone = await h.answeringPhone(1);
    const ringing = await startSipp({ scenarioFile: RINGING_PHONE, calls: 1, timeoutMs: 60_000 });
    await h.bindExtension('2460102', ringing.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    // Both callers hang up by themselves after 9 s, leaving the queue empty for the next test.
    const { callId, sipp } = await h.answeredCall(lab.api, '093514100', 9_000);
    const later = await h.caller('093514100', 9_000);
    await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { extension: '2460102' });
    // The operator logs out meanwhile: the recall cannot reach them.
    expect((await lab.api('DELETE', '/api/v1/operator/session')).status).toBe(204);

    const back = await h.callWhere(callId, 'back in the queue', (c) => c.state === 'waiting', 15_000);
    expect(back).toMatchObject({ transferOutcome: 'requeued', recallFrom: '2460102' });
    const queue = (await lab.api<{ calls: { callId: string; position: number }[] }>('GET', '/api/v1/queues/2460')).body
      .calls;
    expect(queue[0]).toMatchObject({ callId, position: 1 });
    expect(queue).toHaveLength(2);
    for (const done of [sipp.done, later.done, ringing.done])
      expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
    await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
  });

  it('attended transfer, completed: the operator talks to the target first, then caller and target are bridged', async () => {
    const operatorPhone = await h.answeringPhone(1);
    // The target hangs up after 6 s of talk (with the operator, then the caller).
    const extensionPhone = await h.answeringPhone(1, 6_000);
    await h.bindExtension('2460103', extensionPhone.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    const transfer = await lab.api('POST', `/api/v1/calls/${callId}/transfer`, {
      extension: '2460103',
      mode: 'attended',
    });
    expect(transfer.status).toBe(200);
    // Operator and target talk; the caller waits in holding.
    await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`, `${callId}-xfer1`]);
    await h.bridgeWith(`${callId}-hold`, [callId]);
    expect(await h.record(callId)).toMatchObject({ control: 'consulted' });
    expect(await h.operatorState()).toBe('on-call');

    const complete = await lab.api('POST', `/api/v1/calls/${callId}/transfer/complete`);
    expect(complete.status).toBe(200);
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    expect(await h.record(callId)).toMatchObject({ control: 'transferred', transferOutcome: 'answered' });
    expect(await h.operatorState()).toBe('available');
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    // A second complete is a conflict.
    expect((await lab.api('POST', `/api/v1/calls/${callId}/transfer/complete`)).status).toBe(409);

    expect(await h.callWhere(callId, 'ended', (c) => c.state === 'ended')).toMatchObject({
      outcome: 'answered',
      transferMode: 'attended',
    });
    expect((await extensionPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('attended transfer, cancelled: the target is hung up and the operator has the caller back', async () => {
    const operatorPhone = await h.answeringPhone(1);
    const extensionPhone = await h.answeringPhone(1, 30_000);
    await h.bindExtension('2460104', extensionPhone.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { extension: '2460104', mode: 'attended' });
    await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`, `${callId}-xfer1`]);
    const cancel = await lab.api('POST', `/api/v1/calls/${callId}/transfer/cancel`);
    expect(cancel.status).toBe(200);
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    expect(await h.record(callId)).toMatchObject({ state: 'answered', transferOutcome: 'cancelled' });
    expect((await h.record(callId)).control).toBeUndefined();
    expect((await extensionPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });

    await lab.api('POST', `/api/v1/calls/${callId}/hangup`);
    await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('refuses what the call’s state does not allow, and names bad fields', async () => {
    const bad = await lab.api<{ error: { message: string } }>('POST', '/api/v1/calls/nope/transfer', {
      extension: '12',
      number: '070-123 45 67',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.extension/);
    expect((await lab.api('POST', '/api/v1/calls/nope/hold')).status).toBe(404);
    expect(
      (await lab.api<{ error: { message: string } }>('POST', '/api/v1/calls/nope/transfer', { number: '12' })).body
        .error.message,
    ).toMatch(/body\.number/);
  });
});
