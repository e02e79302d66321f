import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { UMEA, VANNAS, VINDELN } from '../support/municipalities.js';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';

/**
 * GET /metrics after real calls through the lab's Asterisk: one answered (Vännäs), one
 * abandoned within 5 s (Umeå), one overflowed at Vindeln's maximum wait (3 s, a message).
 * The counts and the wait histogram are per municipality, and no caller's number is anywhere.
 */
const CALLERS = { answered: '0701112201', abandoned: '0701112202', overflowed: '0701112203' };

const withShortMaxWait = (region: RegionConfig): RegionConfig => ({
  ...region,
  municipalities: region.municipalities.map((m) =>
    m.id === VINDELN
      ? { ...m, queuePolicy: { ...m.queuePolicy, maxWait: { seconds: 3, overflow: { kind: 'message' } } } }
      : m,
  ),
});

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let scrapeToken: string;
beforeAll(async () => {
  lab = await startLabSwitchboard({ adjustRegion: withShortMaxWait });
  // Those who run the region read metrics (an auditor token); the scrape token: test/http/metrics.test.ts.
  scrapeToken = (await lab.switchboard.tokens.create({ name: 'Prometheus', role: 'auditor' }, localActor('e2e'))).token;
});
afterAll(async () => {
  await lab?.stop();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${lab.switchboard.url}/metrics`, {
    headers: { authorization: `Bearer ${scrapeToken}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

type CallView = { callId: string; state: string; outcome?: string; waitSeconds?: number };
const waitingIn = (municipalityId: string) =>
  eventually(
    async () =>
      (await lab.api<{ calls: { callId: string }[] }>('GET', `/api/v1/queues/${municipalityId}`)).body.calls[0],
    { what: `a call waiting in ${municipalityId}` },
  );
const ended = (callId: string) =>
  eventually(
    async () => {
      const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(callId)}`);
      return body.state === 'ended' ? body : undefined;
    },
    { what: `call ${callId} to end`, timeoutMs: 15_000 },
  );

describe('metrics after calls through the lab', () => {
  it('counts answered, abandoned and overflowed calls and the answered wait per municipality, without a caller’s number', async () => {
    const callers = [
      await startCaller(lab.asterisk, '093514100', {
        callerNumber: CALLERS.answered,
        hangupAfterMs: 30_000,
        timeoutMs: 60_000,
      }),
      await startCaller(lab.asterisk, '090161000', {
        callerNumber: CALLERS.abandoned,
        hangupAfterMs: 1_500,
        timeoutMs: 60_000,
      }),
      await startCaller(lab.asterisk, '093314000', {
        callerNumber: CALLERS.overflowed,
        hangupAfterMs: 30_000,
        timeoutMs: 60_000,
      }),
    ];
    const [answered, abandoned, overflowed] = await Promise.all([
      waitingIn(VANNAS),
      waitingIn(UMEA),
      waitingIn(VINDELN),
    ]);

    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 1,
      vars: { talk_ms: '500' },
      timeoutMs: 60_000,
    });
    await lab.api('POST', '/api/v1/operator/session', {
      phone: `sip:operator@${phone.localIp}:${phone.localPort}`,
      municipalities: [VANNAS],
    });
    expect((await lab.api<{ call: CallView }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
      answered!.callId,
    );

    const outcomes = await Promise.all([answered, abandoned, overflowed].map((c) => ended(c!.callId)));
    expect(outcomes.map((c) => c.outcome)).toEqual(['answered', 'abandoned', 'overflowed']);
    for (const caller of [...callers, phone]) expect((await caller.done).stats).toMatchObject({ failed: 0 });

    expect((await fetch(`${lab.switchboard.url}/metrics`)).status).toBe(401);
    const text = await scrape();
    const ended_ = (m: string, outcome: string) =>
      sample(text, `vaxel_calls_ended_total{municipality="${m}",outcome="${outcome}"}`);
    expect([ended_(VANNAS, 'answered'), ended_(UMEA, 'abandoned'), ended_(VINDELN, 'overflowed')]).toEqual([1, 1, 1]);
    for (const m of [VANNAS, UMEA, VINDELN])
      expect(sample(text, `vaxel_calls_offered_total{municipality="${m}"}`)).toBe(1);
    expect(sample(text, `vaxel_calls_abandoned_short_total{municipality="${UMEA}"}`)).toBe(1);

    // The answered call's wait in its municipality's histogram: within the target's bucket, and in no bucket below its wait.
    const wait = outcomes[0]!.waitSeconds!;
    const target = lab.region.municipalities.find((m) => m.id === VANNAS)!.serviceLevelSeconds;
    const bucket = (le: string) => sample(text, `vaxel_call_wait_seconds_bucket{municipality="${VANNAS}",le="${le}"}`);
    expect([bucket(String(target)), bucket('+Inf')]).toEqual([1, 1]);
    expect(bucket('5')).toBe(wait <= 5 ? 1 : 0);
    expect(sample(text, `vaxel_call_wait_seconds_count{municipality="${VANNAS}"}`)).toBe(1);
    expect(sample(text, `vaxel_call_wait_seconds_sum{municipality="${VANNAS}"}`)).toBeCloseTo(wait, 1);
    expect(sample(text, `vaxel_calls_answered_within_target_total{municipality="${VANNAS}"}`)).toBe(1);
    expect(text).not.toContain(`vaxel_call_wait_seconds_count{municipality="${UMEA}"}`);

    // This instance's view: three set-ups timed, ARI up, its media node beating, the operator serving Vännäs.
    expect(sample(text, 'vaxel_call_setup_seconds_count{result="queued"}')).toBe(3);
    expect(sample(text, 'vaxel_ari_connected')).toBe(1);
    expect(sample(text, `vaxel_operators_serving{municipality="${VANNAS}"}`)).toBe(1);
    expect(sample(text, `vaxel_municipality_open{municipality="${VANNAS}"}`)).toBe(1);
    expect(text).toMatch(/^vaxel_media_node_up\{node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^vaxel_ari_request_duration_seconds_count\{request="[^"]+",result="ok"\} [1-9]/m);

    // No caller's number, in any form (national, E.164, digits only).
    for (const number of Object.values(CALLERS)) {
      for (const form of [number, `+46${number.slice(1)}`, number.slice(1)]) expect(text).not.toContain(form);
    }
  });
});
