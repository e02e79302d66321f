import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, type startLabSwitchboard } from '../support/lab-switchboard.js';
import { startSipp } from '../support/sipp.js';
import { RINGING_PHONE, controlHelpers, startLabWithCarrier } from './call-control-support.js';

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
/** Where the carrier's far end listens: a SIPp UAS whose phone rings and is never answered. */
let carrierPort: number;
beforeAll(async () => {
  // The citizen's phone rings 5 s (the operator ring time) before the dial-out gives up.
  ({ lab, h, carrierPort } = await startLabWithCarrier());
});
afterAll(async () => {
  await lab?.stop();
});

type QueueCall = { callId: string; unansweredDials?: number };

it('a call-back its citizen does not answer keeps its place, is tried again, and after the third try ends as callback-no-answer', async () => {
  const carrier = await startSipp({
    scenarioFile: RINGING_PHONE,
    localPort: carrierPort,
    calls: 3,
    timeoutMs: 120_000,
  });
  const operatorPhone = await h.answeringPhone(3);
  const a = await h.caller('093514100', 30_000);
  const aWaiting = await h.firstWaiting('2460');
  const b = await h.caller('093514100', 90_000);
  const queue = async () => (await lab.api<{ calls: QueueCall[] }>('GET', '/api/v1/queues/2460')).body.calls;
  const bWaiting = await eventually(async () => (await queue())[1], { what: 'a second caller waiting' });
  const cb = `${aWaiting.callId}-cb`;
  expect((await lab.api('POST', `/api/v1/calls/${aWaiting.callId}/callback`, {})).status).toBe(201);
  expect((await a.done).stats).toMatchObject({ successful: 1, failed: 0 });
  await h.login(lab.api, operatorPhone.localPort);

  for (const n of [1, 2]) {
    expect((await lab.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
      cb,
    );
    // The operator answers, the citizen's phone rings through the carrier and nobody answers.
    await h.callWhere(cb, 'its citizen being dialled', (c) => c.state === 'answered');
    const back = await h.callWhere(
      cb,
      `back in the queue after unanswered dial ${n}`,
      (c) => c.state === 'waiting',
      20_000,
    );
    expect(back).toMatchObject({ unansweredDials: n });
    expect(back.answeredAt).toBeUndefined();
    // Still ahead of the later caller, the tries shown; the operator is free for the next call at once.
    expect(await queue()).toEqual([
      expect.objectContaining({ callId: cb, unansweredDials: n }),
      expect.objectContaining({ callId: bWaiting.callId }),
    ]);
    expect(await eventually(async () => ((await h.operatorState()) === 'available' ? true : undefined))).toBe(true);
  }

  // The third try: the operator gives up while the citizen's phone still rings.
  expect((await lab.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
    cb,
  );
  await eventually(
    async () =>
      (await lab.ari(`/ari/channels/${encodeURIComponent(`${cb}-dial`)}`)).status === 200 ? true : undefined,
    { what: 'the citizen dialled' },
  );
  const hangup = await lab.api<{ state: string; outcome: string }>('POST', `/api/v1/calls/${cb}/hangup`);
  expect(hangup).toMatchObject({ status: 200, body: { state: 'ended', outcome: 'callback-no-answer' } });
  const shown = await lab.api('GET', `/api/v1/calls/${cb}`);
  expect(shown).toMatchObject({
    status: 200,
    body: { outcome: 'callback-no-answer', unansweredDials: 3, kind: 'callback', callbackOf: aWaiting.callId },
  });
  expect((shown.body as { talkSeconds?: number; answeredBy?: string }).talkSeconds).toBeUndefined();
  expect((await queue()).map((c) => c.callId)).toEqual([bWaiting.callId]);

  expect((await carrier.done).stats).toMatchObject({ successful: 3, failed: 0 });
  expect((await operatorPhone.done).stats).toMatchObject({ successful: 3, failed: 0 });
  await lab.api('DELETE', '/api/v1/operator/session');
  await b.stop();
});
