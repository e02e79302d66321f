import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createCallbackStore } from '../../src/calls/callbacks/callback-store.js';
import type { CallRecord } from '../../src/calls/call-record.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import { createControlStore } from '../../src/media/call-control/control-store.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { createQueuePolicies } from '../../src/queue/policy/queue-policy.js';
import { createCallStatistics } from '../../src/statistics/call-statistics.js';
import { computeFigures, figuresByOperator } from '../../src/statistics/compute.js';
import { BJURHOLM, caller, sleep, useRedis } from '../support/redis.js';
import { testDialling } from '../support/dialling.js';
import { mediaIds } from '../../src/media/media-ids.js';

/**
 * Calls an operator answered that come back: a blind transfer nobody answered (recall), a
 * parked call retrieved by an operator whose phone is not answered (requeue). They keep their
 * first answer (answeredAt, waitMs), sum their talk over their answers, and never overflow on
 * the maximum wait although their enqueuedAt is long past it. Talk is the operators' time with
 * the caller: each stretch ends when the operator lets go of the call (a transfer, the park) or
 * it ends; a transfer's ringing and talk with its target, the park and an offer's ringing are not
 * in it (_shared.lua close_talk).
 */
const ctx = useRedis();

let region: RegionConfig;
beforeAll(async () => {
  const shipped = await loadRegionConfig(resolve('config/region.yaml'));
  // Bjurholm: a caller waiting 1 s or more gets the message and is hung up on.
  region = {
    ...shipped,
    municipalities: shipped.municipalities.map((m) =>
      m.id === BJURHOLM
        ? {
            ...m,
            serviceLevelSeconds: 30,
            queuePolicy: { announceEverySeconds: 45, maxWait: { seconds: 1, overflow: { kind: 'message' as const } } },
          }
        : m,
    ),
  };
});

function setup() {
  const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
  const operators = createOperatorStore(ctx.redis, ctx.k);
  const control = createControlStore(ctx.redis, ctx.k);
  const stored = createAdminStores(
    ctx.redis,
    ctx.k,
    createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }),
    region,
  ).queuePolicies;
  const policies = createQueuePolicies(ctx.redis, ctx.k, queue, stored, region);
  const statistics = createCallStatistics(ctx.redis, ctx.k, region);
  const login = (id: string) =>
    operators.login(id, { name: id, phone: `sip:${id}@phones.example`, municipalities: [BJURHOLM] });
  const waitingIds = async () => (await queue.listWaiting(BJURHOLM)).map((w) => w.record.callId);
  /** Redis's clock (ms), which stamps every record time. */
  const redisNow = async () => {
    const [seconds, micros] = (await ctx.redis.sendCommand(['TIME'])) as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  /** Claims the next call for the operator and answers it on the offered leg. */
  const answerNext = async (operatorId: string) => {
    const offered = await queue.claimNext(operatorId);
    if (!offered) throw new Error(`no call for ${operatorId}`);
    return queue.markAnswered(offered.callId, offered.operatorChannelId!);
  };
  return { queue, operators, control, policies, statistics, login, waitingIds, redisNow, answerNext };
}

/** The first answer's fields, which every later answer keeps. */
const firstAnswer = (call: CallRecord) => ({
  enqueuedAt: call.enqueuedAt,
  answeredAt: call.answeredAt,
  waitMs: call.waitMs,
});

describe('a call answered, then back in the queue after a blind transfer nobody answered', () => {
  it('does not overflow on the maximum wait, keeps its first wait, and sums its talk over both answers', async () => {
    const { queue, operators, control, policies, statistics, login, waitingIds, redisNow, answerNext } = setup();
    await login('op1');
    await login('op2');
    await queue.enqueue(caller('a', BJURHOLM));
    await sleep(30);
    const first = await answerNext('op1');
    expect(first).toMatchObject({
      callId: 'a',
      state: 'answered',
      answeredBy: 'op1',
      talkSince: first.answeredAt,
      waitMs: first.answeredAt! - first.enqueuedAt,
    });
    expect(first.waitMs).toBeGreaterThanOrEqual(30);
    // Another caller arrives meanwhile, never answered: they reach the maximum wait.
    await queue.enqueue(caller('never', BJURHOLM));
    await sleep(1100);

    // op1 transfers blind, which ends their stretch of talk, and goes on a break.
    const before = await redisNow();
    const { call: transferring } = await control.act('a', 'op1', {
      action: 'transfer',
      mode: 'blind',
      targetKind: 'extension',
      target: '2403100',
    });
    const transferred = await redisNow();
    expect(transferring.talkSince).toBeUndefined();
    const firstStretch = transferring.talkMs!;
    expect(first.answeredAt! + firstStretch).toBeGreaterThanOrEqual(before);
    expect(first.answeredAt! + firstStretch).toBeLessThanOrEqual(transferred);
    expect(firstStretch).toBeGreaterThanOrEqual(1100);
    await operators.pause('op1', 'break');
    await sleep(50); // the target rings: not talk

    // Nobody answers: the call comes back to the queue, with no more talk than at the transfer.
    const recalled = await control.legEnded('a', transferring.transferLeg!);
    const after = await redisNow();
    expect(recalled?.what).toBe('recall-queue');
    const back = recalled!.call;
    expect(back).toMatchObject({
      state: 'waiting',
      ...firstAnswer(first),
      transferOutcome: 'requeued',
      talkMs: firstStretch,
    });
    expect(back.talkSince).toBeUndefined();

    // Both have been in the switchboard more than the maximum wait: only the one never answered overflows.
    expect(back.enqueuedAt).toBeLessThan(after - 1000);
    expect(await policies.sweep()).toEqual([{ callId: 'never', action: 'message', cause: 'max-wait', position: 0 }]);
    expect(await waitingIds()).toEqual(['a']);
    expect(await policies.sweep()).toEqual([]);
    expect(await queue.get('a')).toMatchObject({ state: 'waiting' });
    expect((await queue.get('a'))!.overflow).toBeUndefined();

    await sleep(50);
    const second = await answerNext('op2');
    expect(second).toMatchObject({
      callId: 'a',
      state: 'answered',
      ...firstAnswer(first),
      answeredBy: 'op2',
      talkMs: firstStretch,
    });
    expect(second.talkSince).toBeGreaterThanOrEqual(after + 50);
    await sleep(40);
    const ended = (await queue.finish('a'))!;

    // Hand-computed from the record's own times: the wait is the first one; the talk is the
    // first stretch plus the second, without the transfer's ringing (≥ 50 ms) and the time back
    // in the queue (≥ 50 ms).
    const secondStretch = ended.endedAt! - second.talkSince!;
    expect(secondStretch).toBeGreaterThanOrEqual(40);
    expect(ended).toMatchObject({
      state: 'ended',
      outcome: 'answered',
      ...firstAnswer(first),
      answeredBy: 'op2',
      talkMs: firstStretch + secondStretch,
    });
    expect(ended.talkSince).toBeUndefined();
    expect(ended.talkMs).toBeLessThanOrEqual(ended.endedAt! - first.answeredAt! - 100);

    // What the statistics and the announcement of the expected wait read from it.
    const calls = await statistics.endedCalls({
      municipalityId: BJURHOLM,
      fromMs: first.enqueuedAt - 1,
      toMs: after + 60_000,
    });
    const a = calls.find((c) => c.callId === 'a')!;
    expect(computeFigures([a], statistics.figureOptions(BJURHOLM))).toMatchObject({
      answered: 1,
      answeredWithinServiceLevel: 1,
      serviceLevel: 1,
      meanWaitSeconds: first.waitMs! / 1000,
      p90WaitSeconds: first.waitMs! / 1000,
      talkSeconds: (firstStretch + secondStretch) / 1000,
    });
    expect(figuresByOperator([a], statistics.figureOptions()).map((f) => [f.operatorId, f.answered])).toEqual([
      ['op2', 1],
    ]);
    expect(await policies.expectedWaitMs(BJURHOLM, await redisNow())).toBe(first.waitMs);
  });

  it('ends as answered, for the operator who answered it, when the caller hangs up back in the queue', async () => {
    const { queue, operators, control, policies, statistics, login, redisNow, answerNext } = setup();
    await login('op1');
    await queue.enqueue(caller('a', BJURHOLM));
    const first = await answerNext('op1');
    await sleep(30);
    const { call: transferring } = await control.act('a', 'op1', {
      action: 'transfer',
      mode: 'blind',
      targetKind: 'external',
      target: '+46701112233',
    });
    await operators.pause('op1', 'meeting');
    const back = (await control.legEnded('a', transferring.transferLeg!))!.call;
    expect(back.operatorId).toBeUndefined();
    await sleep(30);

    const ended = (await queue.finish('a'))!;
    expect(ended).toMatchObject({
      state: 'ended',
      outcome: 'answered',
      ...firstAnswer(first),
      answeredBy: 'op1',
      talkMs: back.talkMs,
    });
    expect(await queue.activeCallIds()).toEqual([]);
    const figures = figuresByOperator([ended], statistics.figureOptions());
    expect(figures).toEqual([
      expect.objectContaining({
        operatorId: 'op1',
        offered: 1,
        answered: 1,
        abandoned: 0,
        talkSeconds: back.talkMs! / 1000,
      }),
    ]);
    expect(await policies.expectedWaitMs(BJURHOLM, await redisNow())).toBe(first.waitMs);
  });

  it('ends the first stretch at the transfer also when the call comes back to its operator', async () => {
    const { queue, operators, control, login, answerNext } = setup();
    await login('op1');
    await queue.enqueue(caller('a', BJURHOLM));
    const first = await answerNext('op1');
    await sleep(30);
    const { call: transferring } = await control.act('a', 'op1', {
      action: 'transfer',
      mode: 'blind',
      targetKind: 'extension',
      target: '2403100',
    });
    const firstStretch = transferring.talkMs!;
    expect(firstStretch).toBeGreaterThanOrEqual(30);
    await sleep(30); // the target rings: not talk
    const recalled = (await control.legEnded('a', transferring.transferLeg!))!;
    expect(recalled.what).toBe('recall-operator');
    expect(recalled.call).toMatchObject({
      state: 'connecting',
      operatorId: 'op1',
      ...firstAnswer(first),
      talkMs: firstStretch,
    });
    await sleep(30); // op1's phone rings: not talk
    const second = await queue.markAnswered('a', recalled.call.operatorChannelId!);
    expect(second.talkSince! - first.answeredAt!).toBeGreaterThanOrEqual(firstStretch + 60);
    await sleep(20);
    const ended = (await queue.finish('a'))!;
    expect(ended).toMatchObject({
      outcome: 'answered',
      ...firstAnswer(first),
      answeredBy: 'op1',
      talkMs: firstStretch + ended.endedAt! - second.talkSince!,
    });
    expect(await operators.get('op1')).toMatchObject({ state: 'available' });
  });
});

describe('a call answered, parked, and retrieved by an operator who does not answer', () => {
  it('goes back to the queue without overflowing, and leaves its time in the park out of its talk', async () => {
    const { queue, control, policies, login, waitingIds, answerNext } = setup();
    await login('op1');
    await login('op2');
    await queue.enqueue(caller('p', BJURHOLM));
    const first = await answerNext('op1');
    await sleep(1100);
    const { call: parked } = await control.act('p', 'op1', { action: 'park' });
    // Parking ends op1's stretch.
    const firstStretch = parked.parkedAt! - first.answeredAt!;
    expect(parked).toMatchObject({ talkMs: firstStretch });
    expect(parked.talkSince).toBeUndefined();
    expect(firstStretch).toBeGreaterThanOrEqual(1100);
    await sleep(60); // in the park: not talk

    const retrieving = await control.retrieve('p', 'op2');
    expect(retrieving.state).toBe('connecting');
    // op2's phone does not answer: back in the queue, at its place, answered once.
    expect(await queue.requeue('p', retrieving.operatorChannelId!)).toMatchObject({
      position: 1,
      record: { state: 'waiting', ...firstAnswer(first) },
    });
    expect(await policies.sweep()).toEqual([]);
    expect(await waitingIds()).toEqual(['p']);

    const second = await answerNext('op2');
    expect(second).toMatchObject({ state: 'answered', ...firstAnswer(first), answeredBy: 'op2', talkMs: firstStretch });
    await sleep(40);
    const ended = (await queue.finish('p'))!;
    const secondStretch = ended.endedAt! - second.talkSince!;
    expect(ended).toMatchObject({ outcome: 'answered', ...firstAnswer(first), talkMs: firstStretch + secondStretch });
    // The park (≥ 60 ms) and the offer to op2 are not in it.
    expect(ended.talkMs).toBeLessThanOrEqual(ended.endedAt! - first.answeredAt! - 60);
  });

  it('counts the talk up to the parking when the caller hangs up while the retrieving operator’s phone rings', async () => {
    const { queue, operators, control, login, answerNext } = setup();
    await login('op1');
    await login('op2');
    await queue.enqueue(caller('p', BJURHOLM));
    const first = await answerNext('op1');
    await sleep(30);
    const { call: parked } = await control.act('p', 'op1', { action: 'park' });
    await sleep(30);
    await control.retrieve('p', 'op2');

    const ended = (await queue.finish('p'))!;
    expect(ended).toMatchObject({
      state: 'ended',
      outcome: 'answered',
      ...firstAnswer(first),
      answeredBy: 'op1',
      talkMs: parked.parkedAt! - first.answeredAt!,
    });
    expect(await operators.get('op2')).toMatchObject({ state: 'available' });
  });
});

describe('talk with a transfer target is not the switchboard’s talk', () => {
  it('a blind transfer: hold counts, the target’s ringing and talk with the caller do not', async () => {
    const { queue, operators, control, login, redisNow, answerNext } = setup();
    await login('op1');
    await queue.enqueue(caller('t', BJURHOLM));
    const first = await answerNext('op1');
    await control.act('t', 'op1', { action: 'hold' });
    await sleep(40); // on hold: the operator still has the call
    await control.act('t', 'op1', { action: 'unhold' });
    const before = await redisNow();
    const { call: transferring } = await control.act('t', 'op1', {
      action: 'transfer',
      mode: 'blind',
      targetKind: 'external',
      target: '+46701112233',
    });
    const after = await redisNow();
    const talk = transferring.talkMs!;
    expect(talk).toBeGreaterThanOrEqual(40);
    expect(first.answeredAt! + talk).toBeGreaterThanOrEqual(before);
    expect(first.answeredAt! + talk).toBeLessThanOrEqual(after);
    expect(await operators.get('op1')).toMatchObject({ state: 'available' });

    await sleep(30); // ringing
    expect(await control.legAnswered('t', transferring.transferLeg!)).toMatchObject({
      what: 'bridge',
      call: { control: 'transferred', talkMs: talk },
    });
    await sleep(60); // the caller talks to the target
    const ended = (await queue.finish('t'))!;
    expect(ended).toMatchObject({ outcome: 'answered', ...firstAnswer(first), answeredBy: 'op1', talkMs: talk });
    expect(ended.talkMs).toBeLessThanOrEqual(ended.endedAt! - first.answeredAt! - 90);
    // op1 let go at the transfer: the end puts them in no wrap-up.
    expect(await operators.get('op1')).toMatchObject({ state: 'available' });
  });

  it('an attended transfer: the consultation counts up to the completion, the talk after it does not; a cancelled one goes on', async () => {
    const { queue, control, login, redisNow, answerNext } = setup();
    await login('op1');
    await queue.enqueue(caller('c', BJURHOLM));
    const first = await answerNext('op1');
    const attended = { action: 'transfer', mode: 'attended', targetKind: 'extension', target: '2403100' } as const;

    // A target that does not answer: the operator has the caller back, still talking.
    const { call: consulting } = await control.act('c', 'op1', attended);
    expect(consulting.talkSince).toBe(first.talkSince);
    expect(await control.legEnded('c', consulting.transferLeg!)).toMatchObject({
      what: 'back',
      call: { talkSince: first.talkSince },
    });

    // A second one answers; the operator consults, then completes.
    const { call: again } = await control.act('c', 'op1', attended);
    expect(await control.legAnswered('c', again.transferLeg!)).toMatchObject({ what: 'consult' });
    await sleep(40); // the consultation
    const before = await redisNow();
    const { call: completed } = await control.act('c', 'op1', { action: 'complete' });
    const after = await redisNow();
    expect(completed.talkSince).toBeUndefined();
    const talk = completed.talkMs!;
    expect(talk).toBeGreaterThanOrEqual(40);
    expect(first.answeredAt! + talk).toBeGreaterThanOrEqual(before);
    expect(first.answeredAt! + talk).toBeLessThanOrEqual(after);

    await sleep(50); // caller and target talk
    const ended = (await control.legEnded('c', again.transferLeg!))!;
    expect(ended.what).toBe('end');
    expect((await queue.finish('c'))!).toMatchObject({ outcome: 'answered', ...firstAnswer(first), talkMs: talk });
  });
});

describe('a call-back booked on a call answered once and back in the queue', () => {
  it('ends the call keeping its first answer’s wait', async () => {
    const { queue, operators, control, login, answerNext } = setup();
    await login('op1');
    await queue.enqueue(caller('b', BJURHOLM));
    await sleep(20);
    const first = await answerNext('op1');
    const { call: transferring } = await control.act('b', 'op1', {
      action: 'transfer',
      mode: 'blind',
      targetKind: 'extension',
      target: '2403100',
    });
    await operators.pause('op1', 'break');
    expect((await control.legEnded('b', transferring.transferLeg!))?.what).toBe('recall-queue');
    await sleep(30);

    const { call, callback } = await createCallbackStore(ctx.redis, ctx.k, testDialling(ctx).guard, mediaIds).book({
      callId: 'b',
    });
    expect(call).toMatchObject({
      state: 'ended',
      outcome: 'callback-booked',
      ...firstAnswer(first),
      talkMs: transferring.talkMs,
    });
    expect(callback).toMatchObject({ state: 'waiting', kind: 'callback', enqueuedAt: first.enqueuedAt });
    expect(callback.waitMs).toBeUndefined();
  });

  it('ends a call never answered with its wait up to the booking', async () => {
    const { queue } = setup();
    const { record } = await queue.enqueue(caller('w', BJURHOLM));
    await sleep(30);
    const { call } = await createCallbackStore(ctx.redis, ctx.k, testDialling(ctx).guard, mediaIds).book({
      callId: 'w',
    });
    expect(call).toMatchObject({ state: 'ended', outcome: 'callback-booked' });
    expect(call.waitMs).toBe(call.endedAt! - record.enqueuedAt);
    expect(call.waitMs).toBeGreaterThanOrEqual(30);
  });
});
