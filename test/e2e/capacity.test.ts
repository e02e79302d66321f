import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlHelpers } from './call-control-support.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, type SippProcess, startSipp } from '../support/sipp.js';

type CallView = { callId: string; state: string; outcome?: string; caller: string; reason: string };
type Figures = { offered: number; answered: number; abandoned: number; otherOutcomes: Record<string, number> };

const UMEA = '090161000';
/** The media node holds at most this many callers at once in this test. */
const HELD = 3;

/**
 * Capacity (media/arrival/capacity.ts): past the node's limit a new caller is refused before
 * any answer — SIP 486 Busy Here, never a 200 — and recorded as rejected-capacity for the
 * statistics, while the callers already accepted wait in their queue with music, untouched.
 */
let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
beforeAll(async () => {
  lab = await startLabSwitchboard({ capacity: { held: HELD, settingUp: 10 } });
  h = controlHelpers(lab);
});
afterAll(async () => {
  await lab?.stop();
});

/** A caller whose every SIP message is kept: refused or answered, SIPp's trace tells. */
const refusableCaller = () =>
  startSipp({
    scenarioFile: SCENARIOS.callerRefusable,
    remote: h.sipTarget,
    service: UMEA,
    vars: { hold_ms: '20000' },
    traceMessages: true,
    timeoutMs: 60_000,
  });

const waiting = async () =>
  (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2480')).body.calls.map((c) => c.callId);

describe('a media node at its limit of callers held', () => {
  it('refuses the calls past the limit before answering them (busy, no 200 OK), records them as rejected-capacity, and leaves the accepted callers waiting with music', async () => {
    const accepted: SippProcess[] = [];
    // The first hangs up by itself after 15 s, making room for one more.
    for (let i = 0; i < HELD; i++) accepted.push(await h.caller(UMEA, i === 0 ? 15_000 : 60_000));
    const callIds = await eventually(async () => ((await waiting()).length === HELD ? waiting() : undefined), {
      what: `${HELD} callers waiting`,
    });

    // Three more while the node is full: each is refused, none answered.
    const extra = await Promise.all([refusableCaller(), refusableCaller(), refusableCaller()]);
    for (const sipp of extra) {
      const { messages, stats } = await sipp.done;
      expect(stats).toMatchObject({ successful: 1, failed: 0 });
      expect(messages).toMatch(/SIP\/2\.0 486 Busy Here/);
      expect(messages).not.toMatch(/SIP\/2\.0 200 OK/);
    }

    // Those already accepted are unharmed: still waiting, in their holding bridge, hearing something (greeting or music).
    expect((await waiting()).sort()).toEqual([...callIds].sort());
    for (const callId of callIds) {
      await h.bridgeWith(`${callId}-hold`, [callId]);
      expect(await h.sentToCallerDuring(callId, 1_000)).toBeGreaterThan(35);
    }

    // Recorded for the statistics, without the caller's number, never offered to an operator.
    const { body } = await lab.api<{ calls: CallView[] }>('GET', '/api/v1/calls?municipality=2480&limit=50');
    const refused = body.calls.filter((c) => c.outcome === 'rejected-capacity');
    expect(refused).toHaveLength(3);
    for (const call of refused) expect(call).toMatchObject({ state: 'ended', caller: '', reason: 'main-number' });
    const today = DateTime.now().setZone('Europe/Stockholm');
    const figures = await lab.api<{ total: Figures }>(
      'GET',
      `/api/v1/statistics/municipalities/2480?from=${today.toISODate()}&to=${today.plus({ days: 1 }).toISODate()}`,
    );
    expect(figures.status).toBe(200);
    expect(figures.body.total.otherOutcomes['rejected-capacity']).toBe(3);

    // A caller who leaves makes room: the next call is accepted and queued.
    await accepted[0]!.done;
    await eventually(async () => ((await waiting()).length === HELD - 1 ? true : undefined), {
      what: 'one caller gone',
    });
    const next = await refusableCaller();
    const queued = await eventually(async () => (await waiting()).find((id) => !callIds.includes(id)), {
      what: 'the next caller queued',
    });
    await h.bridgeWith(`${queued}-hold`, [queued]);
    await next.stop();
    for (const sipp of accepted.slice(1)) await sipp.stop();
  });
});
