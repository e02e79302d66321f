import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueuePolicy, RegionConfig } from '../../src/config/region-schema.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { resolve } from 'node:path';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';
import { NORDMALING, ROBERTSFORS, UMEA, VINDELN } from '../support/municipalities.js';

type QueueView = { calls: Array<{ callId: string }> };
type CallView = {
  callId: string;
  state: string;
  outcome?: string;
  overflow?: string;
  overflowFrom?: string;
  waitSeconds?: number;
  calledNumber: string;
  municipality: { id: string };
};

/**
 * Short maximum waits: Vindeln's callers hear a message after 3 s, Nordmaling's move to Umeå's
 * queue after 2 s, Robertsfors's are offered a call-back after 2 s.
 */
const policies: Record<string, Partial<QueuePolicy>> = {
  [ROBERTSFORS]: { maxWait: { seconds: 2, overflow: { kind: 'callback' } } },
  [VINDELN]: { maxWait: { seconds: 3, overflow: { kind: 'message' } } },
  [NORDMALING]: { maxWait: { seconds: 2, overflow: { kind: 'queue', municipality: UMEA } } },
};
const withPolicies = (region: RegionConfig): RegionConfig => ({
  ...region,
  municipalities: region.municipalities.map((m) => ({ ...m, queuePolicy: { ...m.queuePolicy, ...policies[m.id] } })),
});

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  lab = await startLabSwitchboard({ adjustRegion: withPolicies });
});
afterAll(async () => {
  await lab?.stop();
});

const call = (dialled: string, hangupAfterMs: number) =>
  startCaller(lab.asterisk, dialled, { hangupAfterMs, timeoutMs: 60_000 });

const firstWaiting = (municipalityId: string) =>
  eventually(
    async () => {
      const { body } = await lab.api<QueueView>('GET', `/api/v1/queues/${municipalityId}`);
      return body.calls[0];
    },
    { what: `a call waiting in ${municipalityId}` },
  );

const record = async (callId: string) =>
  (await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(callId)}`)).body;

describe.sequential('overflow at the maximum wait', () => {
  it('ends a call that waited too long with the message, recorded as overflowed, and the switchboard hangs up', async () => {
    const started = Date.now();
    const caller = await call('093314000', 30_000);
    const { callId } = await firstWaiting(VINDELN);

    const ended = await eventually(
      async () => ((await record(callId)).state === 'ended' ? record(callId) : undefined),
      { what: 'the call overflowed', timeoutMs: 10_000 },
    );
    expect(ended).toMatchObject({ outcome: 'overflowed', overflow: 'max-wait', municipality: { id: VINDELN } });
    expect(ended.waitSeconds).toBeGreaterThanOrEqual(3);
    expect(ended.waitSeconds).toBeLessThan(6);
    expect((await lab.api<QueueView>('GET', `/api/v1/queues/${VINDELN}`)).body.calls).toEqual([]);

    // The caller heard the message, then the switchboard hung up, long before the caller's own 30 s.
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(Date.now() - started).toBeLessThan(20_000);
    await eventually(async () => ((await lab.ari<unknown[]>('/ari/channels')).body.length === 0 ? true : undefined), {
      what: 'no channels left',
    });
  });

  it('moves a call that waited too long to the overflow municipality’s queue, ahead of later callers there', async () => {
    const moved = await call('093014000', 12_000);
    const { callId } = await firstWaiting(NORDMALING);
    await new Promise((r) => setTimeout(r, 500));
    const later = await call('090161000', 12_000);

    const inUmea = await eventually(
      async () => {
        const { body } = await lab.api<QueueView>('GET', `/api/v1/queues/${UMEA}`);
        return body.calls.length === 2 ? body.calls : undefined;
      },
      { what: 'the Nordmaling call in Umeå’s queue', timeoutMs: 10_000 },
    );
    expect(inUmea[0]?.callId).toBe(callId);
    expect(await record(callId)).toMatchObject({
      state: 'waiting',
      overflow: 'max-wait',
      overflowFrom: NORDMALING,
      calledNumber: '+4693014000',
      municipality: { id: UMEA },
    });
    expect((await lab.api<QueueView>('GET', `/api/v1/queues/${NORDMALING}`)).body.calls).toEqual([]);

    // An operator serving Umeå takes it first, and greets in the name of the municipality dialled.
    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 1,
      vars: { talk_ms: '500' },
      timeoutMs: 60_000,
    });
    await lab.api('POST', '/api/v1/operator/session', {
      phone: `sip:operator@${phone.localIp}:${phone.localPort}`,
      municipalities: [UMEA],
    });
    const taken = await lab.api<{ call: CallView; greeting: string }>('POST', '/api/v1/operator/answer-next');
    expect(taken.body.call.callId).toBe(callId);
    expect(taken.body.greeting).toBe(lab.region.municipalities.find((m) => m.id === NORDMALING)!.greeting);
    expect((await phone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
    for (const caller of [moved, later]) expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('offers no call-back to an anonymous caller: at the maximum wait they hear the message and the switchboard hangs up', async () => {
    const started = Date.now();
    const caller = await startCaller(lab.asterisk, '093414000', {
      hangupAfterMs: 30_000,
      callerNumber: 'anonymous',
      timeoutMs: 60_000,
    });
    const { callId } = await firstWaiting(ROBERTSFORS);
    const ended = await eventually(
      async () => ((await record(callId)).state === 'ended' ? record(callId) : undefined),
      { what: 'the call overflowed', timeoutMs: 10_000 },
    );
    expect(ended).toMatchObject({ outcome: 'overflowed', overflow: 'max-wait', municipality: { id: ROBERTSFORS } });
    // Ended at the maximum wait: an offer would have kept it waiting through its prompt and the 6 s for a digit.
    expect(ended.waitSeconds).toBeLessThan(5);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await lab.api<QueueView>('GET', `/api/v1/queues/${ROBERTSFORS}`)).body.calls).toEqual([]);
  });

  it('offers a call-back after the maximum wait; pressing 1 books it at the call’s place and the switchboard hangs up', async () => {
    const caller = await startSipp({
      scenarioFile: resolve(import.meta.dirname, '../sipp/caller-dtmf.xml'),
      remote: `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`,
      service: '093414000',
      // "1" 4 s after the answer: during the offer, which starts at the 2 s maximum wait.
      vars: {
        hangup_after_ms: '20000',
        first_after_ms: '4000',
        gap_ms: '500',
        first_pcap: '/usr/share/sip-tester/dtmf_2833_1.pcap',
        second_pcap: '/usr/share/sip-tester/dtmf_2833_2.pcap',
      },
      timeoutMs: 60_000,
    });
    const { callId } = await firstWaiting(ROBERTSFORS);
    const ended = await eventually(
      async () => ((await record(callId)).state === 'ended' ? record(callId) : undefined),
      { what: 'the call-back booked', timeoutMs: 15_000 },
    );
    expect(ended).toMatchObject({ outcome: 'callback-booked', overflow: 'max-wait' });
    // The call-back waits in the queue in the call's place, to be dialled out by an operator.
    const { body } = await lab.api<QueueView>('GET', `/api/v1/queues/${ROBERTSFORS}`);
    expect(body.calls.map((c) => c.callId)).toEqual([`${callId}-cb`]);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });
});
