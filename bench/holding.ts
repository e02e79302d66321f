import { readdir } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { DEFAULT_CAPACITY, UNLIMITED } from '../src/media/arrival/capacity.js';
import { SCENARIOS, type SippProcess, startSipp } from '../test/support/sipp.js';
import {
  type LoadLab,
  MINIMAL_NUMBER,
  SWITCHBOARD_NUMBER,
  asteriskPid,
  percent,
  processUsage,
  recordsSince,
  setUpInTime,
  startLoadLab,
  waitForNoChannels,
} from './call-load.js';

/** Callers added per step, and how fast they call (well under either app's set-up knee). */
const STEP = Number(process.env.BENCH_HOLD_STEP ?? 250);
const RATE = Number(process.env.BENCH_HOLD_RATE ?? 25);
/** The most callers tried at once (Asterisk's RTP ports 10000–20000 allow about 5000). */
const MAX = Number(process.env.BENCH_HOLD_MAX ?? 4000);
/** After a step: a pause, then this long a window over which CPU is measured. */
const SETTLE_MS = 5_000;
const MEASURE_MS = 10_000;
/** Callers sampled after each step: each must still hear something (RTP to them, ~50 packets a second). */
const SAMPLED = 5;
const KNEE_SHARE = 0.999;

interface Step {
  holding: number;
  setUp: number;
  tried: number;
  silent: number;
  asterisk: { cpu: number; rssBytes: number; fds: number };
  app: { cpu: number; rssBytes: number };
}

/**
 * `npm run bench -- holding`: how many callers can wait at once — each set up within its first
 * second, in its holding bridge with music, hearing the switchboard's greeting and announcements
 * (every 45 s) — before calls fail, for the switchboard (without its capacity limit, to find
 * where it would fail) and beside it the minimal ARI queue, on the same Asterisk in the same run.
 * Callers are added BENCH_HOLD_STEP (250) at a time at BENCH_HOLD_RATE (25) a second and stay;
 * after each step: the share of that step's calls set up, a sample of waiting callers still
 * hearing audio, and Asterisk's and the app's CPU (of one core, over 10 s) and memory. A step
 * with fewer than 99.9 % set up, or a silent caller, ends the app's run.
 */
export async function run(): Promise<void> {
  const load = await startLoadLab({ capacity: UNLIMITED });
  try {
    const pid = await asteriskPid(load.lab);
    console.log(
      `\nholding: callers added ${STEP} at a time at ${RATE}/s and kept, up to ${MAX} (machine: ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)})`,
    );
    const results: Record<string, Step[]> = {};
    for (const [name, number] of [
      ['Regionväxeln', SWITCHBOARD_NUMBER],
      ['minimal ARI queue', MINIMAL_NUMBER],
    ] as const) {
      console.log(`\n${name}:`);
      console.log(
        `  ${'holding'.padStart(7)}  ${'step set up'.padEnd(18)} silent  Asterisk CPU   RSS     fds   app CPU   RSS`,
      );
      results[name] = await ramp(load, pid, number, name === 'Regionväxeln');
    }
    console.log('\ncallers waiting at once with every call of each step set up (≥ 99.9 %) and none silent:');
    for (const [name, steps] of Object.entries(results)) console.log(`  ${name.padEnd(20)} ${held(steps)}`);
    console.log(
      `(the switchboard's default limit MAX_CALLS_HELD is ${DEFAULT_CAPACITY.held}; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
    );
  } finally {
    await load.stop();
  }
}

/** Adds callers step by step until a step fails or MAX; then hangs every caller up. */
async function ramp(load: LoadLab, pid: number, number: string, switchboard: boolean): Promise<Step[]> {
  const steps: Step[] = [];
  const callers: SippProcess[] = [];
  try {
    if (!switchboard) await load.minimal.report();
    for (let holding = STEP; holding <= MAX; holding += STEP) {
      const since = Date.now();
      callers.push(
        await startSipp({
          scenarioFile: SCENARIOS.callerRefusable,
          remote: load.target,
          service: number,
          calls: STEP,
          rate: RATE,
          vars: { hold_ms: String(3_600_000) },
          extraArgs: ['-l', '100000'],
          timeoutMs: 3_600_000,
        }),
      );
      await new Promise((r) => setTimeout(r, (STEP / RATE) * 1000 + SETTLE_MS));
      const setUp = switchboard
        ? (await recordsSince(load.redis, load.lab, since)).filter(setUpInTime).length
        : (await load.minimal.report()).setUpInTime;
      const usage = await measure(load, pid, switchboard);
      const silent = await silentCallers(load);
      const step: Step = { holding, setUp, tried: STEP, silent, ...usage };
      steps.push(step);
      console.log(
        `  ${String(holding).padStart(7)}  ${`${percent(setUp, STEP)} of ${STEP}`.padEnd(18)} ${String(silent).padStart(6)}  ${pct(usage.asterisk.cpu)} ${mb(usage.asterisk.rssBytes)} ${String(usage.asterisk.fds).padStart(6)}   ${pct(usage.app.cpu)} ${mb(usage.app.rssBytes)}`,
      );
      if (setUp < KNEE_SHARE * STEP || silent > 0) break;
    }
  } finally {
    // Every caller hung up by Asterisk: SIPp answers the BYEs and its calls end.
    await load.lab.asterisk.cli('channel request hangup all');
    await Promise.all(callers.map((c) => c.done));
    await waitForNoChannels(load.lab);
  }
  return steps;
}

/** CPU (share of one core) and memory of Asterisk and of the app over MEASURE_MS. */
async function measure(load: LoadLab, pid: number, switchboard: boolean): Promise<Pick<Step, 'asterisk' | 'app'>> {
  const asteriskBefore = await processUsage(pid);
  const appBefore = process.cpuUsage();
  if (!switchboard) await load.minimal.report();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const asteriskAfter = await processUsage(pid);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  const asterisk = {
    cpu: (asteriskAfter.cpuMs - asteriskBefore.cpuMs) / MEASURE_MS,
    rssBytes: asteriskAfter.rssBytes,
    fds,
  };
  if (switchboard) {
    const used = process.cpuUsage(appBefore);
    return {
      asterisk,
      app: { cpu: (used.user + used.system) / 1000 / MEASURE_MS, rssBytes: process.memoryUsage().rss },
    };
  }
  const report = await load.minimal.report();
  return { asterisk, app: { cpu: report.cpuMs / MEASURE_MS, rssBytes: report.rssBytes } };
}

/** Of SAMPLED callers picked at random, how many Asterisk sent nothing to over a second. */
async function silentCallers(load: LoadLab): Promise<number> {
  const channels = (await load.lab.ari<{ id: string }[]>('/ari/channels')).body;
  const sample = [...channels].sort(() => Math.random() - 0.5).slice(0, SAMPLED);
  const sent = async (id: string) =>
    (await load.lab.ari<{ txcount?: number }>(`/ari/channels/${encodeURIComponent(id)}/rtp_statistics`)).body.txcount ??
    0;
  const counts = await Promise.all(
    sample.map(async (channel) => {
      const before = await sent(channel.id);
      await new Promise((r) => setTimeout(r, 1_000));
      return (await sent(channel.id)) - before;
    }),
  );
  return counts.filter((n) => n < 25).length;
}

/** The most callers held with every step before fully set up and none silent. */
function held(steps: Step[]): string {
  const good = steps.filter((s, i) =>
    steps.slice(0, i + 1).every((t) => t.setUp >= KNEE_SHARE * t.tried && t.silent === 0),
  );
  const last = steps.at(-1);
  const reachedMax = good.length === steps.length && last?.holding === Math.floor(MAX / STEP) * STEP;
  return good.length === 0 ? `fewer than ${STEP}` : `${good.at(-1)!.holding}${reachedMax ? ' (the most tried)' : ''}`;
}

const pct = (share: number) => `${(100 * share).toFixed(0).padStart(4)} %`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0).padStart(5)} MB`;
