import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { startCaller, startSipp } from '../support/sipp.js';

type QueueView = { calls: Array<{ callId: string }> };
type CallView = {
  callId: string;
  state: string;
  reason: string;
  reasonDetail?: string;
  calledNumber: string;
  municipality: { id: string };
};

const DTMF_CALLER = resolve(import.meta.dirname, '../sipp/caller-dtmf.xml');
const dtmf = (digit: string) => `/usr/share/sip-tester/dtmf_2833_${digit}.pcap`;
const REGIONAL_NUMBER = '093214090';

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  // A short wait for a digit after the menu, so a caller who does nothing is not kept long.
  lab = await startLabSwitchboard({
    adjustRegion: (region) => ({
      ...region,
      region: { ...region.region, menu: { ...region.region.menu, timeoutSeconds: 3 } },
    }),
  });
});
afterAll(async () => {
  await lab?.stop();
});

/** Calls the regional number and presses two digits (RFC 4733), the first 1.5 s after the answer; the second must be recorded after the first. */
const callMenu = (first: string, second: string, gapMs = 1_500) =>
  startSipp({
    scenarioFile: DTMF_CALLER,
    remote: `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`,
    service: REGIONAL_NUMBER,
    vars: {
      hangup_after_ms: '12000',
      first_after_ms: '1500',
      gap_ms: String(gapMs),
      first_pcap: dtmf(first),
      second_pcap: dtmf(second),
    },
    timeoutMs: 60_000,
  });

const waitingIn = (municipalityId: string, timeoutMs = 15_000) =>
  eventually(
    async () => {
      const { body } = await lab.api<QueueView>('GET', `/api/v1/queues/${municipalityId}`);
      return body.calls[0];
    },
    { what: `a call waiting in ${municipalityId}`, timeoutMs },
  );

describe.sequential('the regional number’s menu', () => {
  it('puts the caller who presses 3 in the third municipality’s queue (Robertsfors, in the configured order)', async () => {
    expect(lab.region.municipalities[2]?.id).toBe('2409');
    const caller = await callMenu('3', '5');
    const waiting = await waitingIn('2409');
    const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(waiting.callId)}`);
    expect(body).toMatchObject({
      state: 'waiting',
      reason: 'regional-number',
      calledNumber: '+4693214090',
      municipality: { id: '2409' },
    });
    expect(body.reasonDetail).toBeUndefined();
    // The second digit changed nothing, and nobody waits in the default queue.
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2403')).body.calls).toEqual([]);
    expect((await lab.api<QueueView>('GET', '/api/v1/queues/2401')).body.calls).toEqual([]);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('sends a caller who presses a digit without a municipality twice to the default municipality’s queue', async () => {
    const started = Date.now();
    // 8 then 9: sip-tester's recordings of one RTP stream in order (the 0's sequence numbers and
    // timestamps come from another part of it, which Asterisk takes as out of order).
    const caller = await callMenu('8', '9');
    const waiting = await waitingIn(lab.region.region.defaultMunicipality);
    const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(waiting.callId)}`);
    expect(body).toMatchObject({
      state: 'waiting',
      reason: 'regional-number',
      reasonDetail: 'no choice in the menu',
      municipality: { id: '2403' },
    });
    // Two wrong digits end the menu at once: no waiting out the menu's 7 options and the timeouts.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  // The menu read out twice (about 20 s a round with seven members) and both 3 s waits: some 45 s before the queue.
  it(
    'sends a caller who presses nothing, through both rounds of the menu, to the default municipality’s queue',
    { timeout: 120_000 },
    async () => {
      const started = Date.now();
      // A caller without DTMF who stays on the line (then hangs up: the menu and the greeting are long done).
      const caller = await startCaller(lab.asterisk, REGIONAL_NUMBER, {
        hangupAfterMs: 65_000,
        timeoutMs: 100_000,
      });
      const waiting = await waitingIn(lab.region.region.defaultMunicipality, 80_000);
      const elapsed = Date.now() - started;
      const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(waiting.callId)}`);
      expect(body).toMatchObject({
        state: 'waiting',
        reason: 'regional-number',
        reasonDetail: 'no choice in the menu',
        calledNumber: '+4693214090',
        municipality: { id: '2403' },
      });
      // Not sent on early: both rounds were played out and both waits for a digit ran out (2 × 3 s alone).
      expect(elapsed).toBeGreaterThan(2 * (lab.region.region.menu.timeoutSeconds * 1000) + 30_000);
      expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    },
  );
});
