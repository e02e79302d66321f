import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startCaller, startSipp, type SippProcess } from '../support/sipp.js';
import { controlHelpers } from './call-control-support.js';

/**
 * A draining restart (drain.ts, docs/decisions.md "Draining restarts"): while one caller talks
 * with an operator and another waits, the app drains (SIGTERM's first step), is stopped and a
 * new instance starts on the same node. Nobody is dropped: the talk goes on to the caller's own
 * hang-up, the waiting caller is answered by the new instance, and a caller arriving during the
 * drain is refused with a 503 before any answer (the SIP edge takes that to another node).
 */
let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
const sipps: SippProcess[] = [];
beforeAll(async () => {
  lab = await startLabSwitchboard();
  h = controlHelpers(lab);
});
afterAll(async () => {
  await Promise.all(sipps.map((sipp) => sipp.stop()));
  await lab?.stop();
});

const readiness = async () => {
  const { status, body } = await lab.api('GET', '/health/ready');
  return { status, body };
};
const byeCounts = (counts: Record<string, number> | undefined, direction: 'Sent' | 'Recv') =>
  Object.entries(counts ?? {})
    .filter(([column]) => new RegExp(`^\\d+_BYE_${direction}$`).test(column))
    .reduce((sum, [, n]) => sum + n, 0);

it('drains and restarts without dropping a call: the talk goes on, the waiting caller is answered by the next instance, a new caller is refused with 503', async () => {
  expect(await readiness()).toEqual({ status: 200, body: { status: 'ready' } });

  // One caller talking with the operator (hangs up by itself after 16 s), one waiting.
  const phone = await h.answeringPhone(1, 60_000);
  sipps.push(phone);
  await h.login(lab.api, phone.localPort);
  const talkingCaller = await startCaller(h.sipTarget, '093514100', {
    hangupAfterMs: 16_000,
    traceCounts: true,
    timeoutMs: 60_000,
  });
  sipps.push(talkingCaller);
  const talking = (await h.firstWaiting('2460')).callId;
  expect((await lab.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
    talking,
  );
  await h.bridgeWith(`${talking}-talk`, [talking, `${talking}-op1`]);
  sipps.push(await h.caller('093514100', 60_000));
  const waiting = (await h.firstWaiting('2460')).callId;

  const drained = lab.switchboard.drain(4);
  expect(await readiness()).toEqual({ status: 503, body: { status: 'not-ready', notReady: ['draining'] } });
  expect((await lab.api('GET', '/health/live')).body).toEqual({ status: 'live' });

  const refused = await startSipp({
    scenarioFile: SCENARIOS.callerRefusable,
    remote: h.sipTarget,
    service: '093514100',
    traceMessages: true,
    timeoutMs: 30_000,
  });
  const { messages, stats } = await refused.done;
  expect(stats).toMatchObject({ successful: 1, failed: 0 });
  expect(messages).toMatch(/SIP\/2\.0 503 Service Unavailable/);
  expect(messages).not.toMatch(/SIP\/2\.0 200 OK/);

  // Both callers still held when the drain time is over: they stay in Asterisk for the next instance.
  expect(await drained).toMatchObject({ held: 2 });
  await lab.stopApp();
  await lab.startApp();
  expect(await readiness()).toEqual({ status: 200, body: { status: 'ready' } });

  // The new instance found both: the talk still bridged, the waiting caller first in line and answered.
  await h.bridgeWith(`${talking}-talk`, [talking, `${talking}-op1`]);
  const queued = await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460');
  expect(queued.body.calls.map((c) => c.callId)).toEqual([waiting]);
  const second = await h.operatorClient('second operator');
  const secondPhone = await h.answeringPhone(1, 60_000);
  sipps.push(secondPhone);
  await h.login(second.api, secondPhone.localPort);
  expect(
    (await second.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId,
  ).toBe(waiting);
  await h.bridgeWith(`${waiting}-talk`, [waiting, `${waiting}-op1`]);

  // The talking caller hung up themself (never hung up on), and the call ended as answered.
  const { counts } = await talkingCaller.done;
  expect({ sent: byeCounts(counts, 'Sent'), received: byeCounts(counts, 'Recv') }).toEqual({ sent: 1, received: 0 });
  expect(await h.callWhere(talking, 'ended', (c) => c.state === 'ended', 15_000)).toMatchObject({
    outcome: 'answered',
  });
  // The refused caller left no record: only the two callers are on the books.
  const records = await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/calls?municipality=2460&limit=50');
  expect(records.body.calls.map((c) => c.callId).sort()).toEqual([talking, waiting].sort());
});
