import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { DEFAULT_ALLOWED, DEFAULT_DIAL_POLICY } from '../../src/dialling/dial-policy.js';
import { apiClient } from '../support/api-client.js';
import { eventually, type startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';
import { controlHelpers, startLabWithCarrier } from './call-control-support.js';
import { ROBERTSFORS, VANNAS } from '../support/municipalities.js';

/**
 * The dial policy (toll fraud) through the lab: an operator's transfer and a call-back to a
 * premium number are refused before anything happens to the call, a policy changed over the API
 * lets the transfer out to the carrier's far side (a SIPp UAS), a call-back whose number the
 * policy refuses by the time it is dialled ends unanswered and undialled, a caller whose number
 * may not be called back is not offered a call-back, and a satellite forward target is refused.
 */

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
let carrierPort: number;
/** Calls the API as IT staff of the region. */
let asAdmin: <T = { error?: { code: string; message: string; details?: unknown[] } } & Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  ifMatch?: string,
) => Promise<{ status: number; body: T }>;

beforeAll(async () => {
  ({ lab, h, carrierPort } = await startLabWithCarrier());
  const { token } = await lab.switchboard.tokens.create({ name: 'IT', role: 'region-admin' }, localActor('e2e test'));
  const api = apiClient(lab.switchboard.url, token);
  asAdmin = <T>(method: string, path: string, body?: unknown, ifMatch?: string) =>
    api<T>(method, path, body, ifMatch ? { 'if-match': ifMatch } : {});
});
afterAll(async () => {
  await lab?.stop();
});

/** Changes Vännäs's dial policy over the API, on its current version. */
async function changeVannasPolicy(change: object) {
  const current = await asAdmin<{ version: number }>('GET', `/api/v1/dial-policies/${VANNAS}`);
  const changed = await asAdmin('PATCH', `/api/v1/dial-policies/${VANNAS}`, change, `"${current.body.version}"`);
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
}

const events = async (type: string) =>
  ((await lab.switchboard.redis.xRange(lab.switchboard.keys.events(), '-', '+')) ?? [])
    .map((e) => e.message)
    .filter((m) => m.type === type);

const noChannelLeft = () =>
  eventually(async () => ((await lab.ari<unknown[]>('/ari/channels')).body.length === 0 ? true : undefined), {
    what: 'no channel left in Asterisk',
  });

// One operator token serves the whole file, so these run one after the other.
describe.sequential('the dial policy in the lab', () => {
  it('refuses a transfer to a premium number (403 naming the class) and the operator keeps the caller; allowed for transfers, it goes out to the carrier', async () => {
    const operatorPhone = await h.answeringPhone(1);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    const refused = await lab.api<{ error: { code: string; message: string; details: unknown[] } }>(
      'POST',
      `/api/v1/calls/${callId}/transfer`,
      { number: '0900-123 45 67' },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'dialling_denied',
      message: 'premium numbers may not be dialled for transfer calls (dial policy of Vännäs)',
      details: [{ field: 'body.number', class: 'premium' }],
    });
    // Nothing changed: still answered, no transfer, caller and operator still talking in Asterisk.
    const after = await h.record(callId);
    expect(after).toMatchObject({ state: 'answered', operatorId: lab.operatorId });
    expect(after.control).toBeUndefined();
    expect(after.transferTarget).toBeUndefined();
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    expect(await events('dialling.refused')).toEqual([
      { type: 'dialling.refused', municipalityId: VANNAS, kind: 'transfer', class: 'premium', callId },
    ]);

    await changeVannasPolicy({ allow: { ...DEFAULT_DIAL_POLICY.allow, transfer: [...DEFAULT_ALLOWED, 'premium'] } });
    // The carrier's far side answers the premium number and hangs up after 2 s of talk.
    const carrier = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      localPort: carrierPort,
      calls: 1,
      vars: { talk_ms: '2000' },
      timeoutMs: 60_000,
    });
    const transfer = await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { number: '0900-123 45 67' });
    expect(transfer).toMatchObject({ status: 200, body: { transferTarget: '+469001234567' } });
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    const ended = await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    expect(ended).toMatchObject({ outcome: 'answered', transferTarget: '+469001234567', transferOutcome: 'answered' });
    for (const done of [carrier.done, sipp.done, operatorPhone.done])
      expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
    await noChannelLeft();
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('refuses a call-back to a premium number; one booked to a mobile ends as callback-denied, undialled, once the policy refuses mobiles for call-backs', async () => {
    const caller = await h.caller('093514100', 30_000);
    const waiting = await h.firstWaiting(VANNAS);
    const refused = await lab.api('POST', `/api/v1/calls/${waiting.callId}/callback`, { number: '0900-123 45 67' });
    expect(refused).toMatchObject({
      status: 403,
      body: { error: { code: 'dialling_denied', details: [{ field: 'body.number', class: 'premium' }] } },
    });
    expect(await h.record(waiting.callId)).toMatchObject({ state: 'waiting' });

    // The caller's own number (SIPp's 070-123 45 67) is allowed: booked, the caller released.
    expect((await lab.api('POST', `/api/v1/calls/${waiting.callId}/callback`, {})).status).toBe(201);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    const cb = `${waiting.callId}-cb`;

    // IT staff stop call-backs to mobiles before an operator takes it: asked again at dial-out, it is not dialled.
    await changeVannasPolicy({ allow: { ...DEFAULT_DIAL_POLICY.allow, callback: ['regional'] } });
    const operatorPhone = await h.answeringPhone(1);
    await h.login(lab.api, operatorPhone.localPort);
    expect((await lab.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
      cb,
    );
    const ended = await h.callWhere(cb, 'ended', (c) => c.state === 'ended');
    expect(ended).toMatchObject({ outcome: 'callback-denied', kind: 'callback', callbackOf: waiting.callId });
    expect(ended.unansweredDials).toBeUndefined();
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(await eventually(async () => ((await h.operatorState()) === 'available' ? true : undefined))).toBe(true);
    expect((await events('dialling.refused')).slice(-2)).toEqual([
      { type: 'dialling.refused', municipalityId: VANNAS, kind: 'callback', class: 'premium', callId: waiting.callId },
      { type: 'dialling.refused', municipalityId: VANNAS, kind: 'callback', class: 'mobile', callId: cb },
    ]);
    await noChannelLeft();
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('offers no call-back to a caller whose number may not be called back: they hear the message instead, as a caller without a number does', async () => {
    // Robertsfors offers a call-back when nobody serves it; its policy refuses call-backs abroad (the default).
    await lab.switchboard.admin.queuePolicies.create(
      { municipalityId: ROBERTSFORS, noOperator: { kind: 'callback' } },
      localActor('e2e test'),
    );
    const caller = await startCaller(h.sipTarget, '093414000', {
      hangupAfterMs: 30_000,
      callerNumber: '+4722334455',
      timeoutMs: 60_000,
    });
    // The switchboard hangs up after the message, long before the caller's own 30 s.
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    const [refusal] = (await events('dialling.refused')).filter((e) => e.municipalityId === ROBERTSFORS);
    expect(refusal).toMatchObject({ kind: 'callback', class: 'international-nordic' });
    expect(await h.record(refusal!.callId!)).toMatchObject({
      state: 'ended',
      outcome: 'overflowed',
      overflow: 'no-operator',
      caller: '+4722334455',
    });
    expect(await lab.switchboard.queue.get(`${refusal!.callId}-cb`)).toBeNull();
  });

  it('refuses a satellite forward target in the API (409 naming body.target.number and the class)', async () => {
    const refused = await asAdmin('POST', '/api/v1/numbers', {
      number: '0935-141 60',
      municipalityId: VANNAS,
      target: { kind: 'external', number: '+881 6 1234 5678' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'dialling_denied',
      message: 'satellite numbers may not be dialled for forwarded calls (dial policy of Vännäs)',
      details: [{ field: 'body.target.number', class: 'satellite' }],
    });
    expect(
      (await asAdmin<{ numbers: unknown[] }>('GET', `/api/v1/numbers?municipality=${VANNAS}`)).body.numbers,
    ).toEqual([]);
  });
});
