import { type ChildProcess, fork } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallRecord } from '../src/calls/call-record.js';
import { parseCallRecord } from '../src/calls/call-records.js';
import type { CapacityLimits } from '../src/media/arrival/capacity.js';
import { connectRedis, type RedisClient } from '../src/store/redis-client.js';
import { eventually, startLabSwitchboard } from '../test/support/lab-switchboard.js';
import { SCENARIOS, startSipp } from '../test/support/sipp.js';
import type { MinimalQueueReport } from './minimal-ari-queue.js';

/**
 * What the call set-up benchmarks (call-setup, holding, soak) share: a lab switchboard (real
 * Redis, the lab's Asterisk, the app in this process) with the minimal ARI queue
 * (minimal-ari-queue.ts) beside it on the same Asterisk, reached by a number of its own; SIPp
 * load runs; and counting what each app really set up — not what SIPp calls successful, which
 * is only that the call was answered.
 */

/** Umeå's main number as dialled nationally: the switchboard's calls. */
export const SWITCHBOARD_NUMBER = '090161000';
/** The minimal app's calls: an extension the benchmark adds to the lab's dialplan at runtime. */
export const MINIMAL_NUMBER = '0000';
const MINIMAL_APP = 'rv-bench-minimal';
/** A call is set up when it waits in its queue, in its holding bridge, with music, within this of reaching Asterisk. */
export const SET_UP_WITHIN_MS = 1_000;

export type Lab = Awaited<ReturnType<typeof startLabSwitchboard>>;

export interface MinimalQueue {
  report(): Promise<MinimalQueueReport>;
  stop(): Promise<void>;
}

/** The lab switchboard (with `capacity`) and the minimal ARI queue on its Asterisk. */
export async function startLoadLab({ capacity }: { capacity?: Partial<CapacityLimits> } = {}) {
  const lab = await startLabSwitchboard({ capacity });
  await lab.asterisk.cli(`dialplan add extension ${MINIMAL_NUMBER},1,Stasis(${MINIMAL_APP}) into from-carrier`);
  const minimal = await startMinimalQueue(lab);
  const redis = await connectRedis(lab.redis.url, { name: 'bench' });
  return {
    lab,
    minimal,
    /** The benchmark's own Redis connection, to count what the switchboard recorded. */
    redis,
    target: `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`,
    async stop() {
      await minimal.stop();
      await redis.close();
      await lab.stop();
    },
  };
}

export type LoadLab = Awaited<ReturnType<typeof startLoadLab>>;

/** The minimal app as a process of its own (its own event loop and HTTP agent, as a separate app would have). */
async function startMinimalQueue(lab: Lab): Promise<MinimalQueue> {
  const child: ChildProcess = fork(new URL('./minimal-ari-queue.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      ARI_URL: lab.asterisk.ariUrl,
      ARI_USERNAME: lab.asterisk.ariUser,
      ARI_PASSWORD: lab.asterisk.ariPassword,
      ARI_APP: MINIMAL_APP,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = (type: string) =>
    new Promise<unknown>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the minimal ARI queue exited (code ${code})`));
      const onMessage = (message: { type: string; report?: MinimalQueueReport }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message.report);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  await next('ready');
  return {
    async report() {
      const report = next('report');
      child.send({ type: 'report' });
      return (await report) as MinimalQueueReport;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

/** What SIPp saw of a load run (test/sipp/caller-refusable.xml's steps, from its counts file). */
export interface LoadResult {
  created: number;
  /** 200 OK to the INVITE. */
  answered: number;
  /** 486 or 503 before any answer. */
  refused: number;
  retransmissions: number;
  timeouts: number;
  /** Seconds the run took, from SIPp's start to its end. */
  seconds: number;
}

/**
 * SIPp calls to `service` at `rate` per second for `seconds`, each lasting `holdMs` after its
 * answer (then the caller hangs up). Resolves when SIPp has finished every call.
 */
export async function runLoad(
  load: LoadLab,
  { service, rate, seconds, holdMs }: { service: string; rate: number; seconds: number; holdMs: number },
): Promise<LoadResult> {
  const started = performance.now();
  const sipp = await startSipp({
    scenarioFile: SCENARIOS.callerRefusable,
    remote: load.target,
    service,
    calls: Math.round(rate * seconds),
    rate,
    vars: { hold_ms: String(holdMs) },
    traceCounts: true,
    // No cap on calls at once: the apps' limits are what is measured.
    extraArgs: ['-l', '100000'],
    timeoutMs: (seconds + holdMs / 1000 + 120) * 1000,
  });
  const result = await sipp.done;
  const counts = result.counts ?? {};
  const sum = (test: RegExp) =>
    Object.entries(counts).reduce((total, [name, n]) => (test.test(name) ? total + n : total), 0);
  // The INVITE's responses are the scenario's first 200, 486 and 503 steps (the second 200 answers the caller's BYE).
  const first = (code: string) =>
    counts[Object.keys(counts).find((name) => new RegExp(`^\\d+_${code}_Recv$`).test(name)) ?? ''] ?? 0;
  return {
    created: result.stats?.created ?? 0,
    answered: first('200'),
    refused: first('486') + first('503'),
    retransmissions: sum(/_Retrans$/),
    // Not the wait for the far end's BYE, which ends every call the caller hangs up itself.
    timeouts: sum(/^\d+_(?!BYE)\w+_Timeout$/),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Waits until Asterisk has no channel left (the last run's calls and BYEs are over), as LAB.md's
 * method asks between runs. Past an app's knee some callers may never be let go of (a Stasis
 * channel never times out): after a minute Asterisk hangs up what is left.
 */
export async function waitForNoChannels(lab: Lab): Promise<void> {
  const none = async () => ((await lab.ari<unknown[]>('/ari/channels')).body.length === 0 ? true : undefined);
  try {
    await eventually(none, { timeoutMs: 60_000, what: 'no channels left in Asterisk' });
  } catch {
    console.log(
      `  (${(await lab.ari<unknown[]>('/ari/channels')).body.length} channels left a minute after the run: hung up)`,
    );
    await lab.asterisk.cli('channel request hangup all');
    await eventually(none, { timeoutMs: 60_000, what: 'no channels left in Asterisk' });
  }
}

/** The switchboard's calls that reached Asterisk at or after `sinceMs`, from its own records. */
export async function recordsSince(redis: RedisClient, lab: Lab, sinceMs: number): Promise<CallRecord[]> {
  const k = lab.switchboard.keys;
  // Indexed by enqueuedAt, which is after arrival (a rejected or failed call's record too).
  const ids = await redis.zRangeByScore(k.callsByTime(), sinceMs, '+inf');
  const records: CallRecord[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const hashes = await Promise.all(ids.slice(i, i + 500).map((id) => redis.hGetAll(k.call(id))));
    for (const hash of hashes) if (hash.callId) records.push(parseCallRecord(hash));
  }
  return records.filter((r) => r.kind !== 'callback' && (r.arrivedAt ?? r.enqueuedAt) >= sinceMs);
}

/** Set up per the benchmarks' definition: queued (it waits, or did until it ended normally) within SET_UP_WITHIN_MS of reaching Asterisk. */
export function setUpInTime(record: CallRecord): boolean {
  if (record.outcome === 'setup-failed' || record.outcome === 'rejected-capacity') return false;
  return record.arrivedAt !== undefined && record.enqueuedAt - record.arrivedAt <= SET_UP_WITHIN_MS;
}

/** Share of `part` in `whole`, as "99.93 %". */
export const percent = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(2)} %`);

/** CPU time (ms, user + system) and resident memory (bytes) of a process, from /proc. */
export async function processUsage(pid: number): Promise<{ cpuMs: number; rssBytes: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticksPerSecond = 100;
  // Fields after "(comm) ": state is index 0, utime 11, stime 12, rss (pages) 21.
  return { cpuMs: ((Number(stat[11]) + Number(stat[12])) * 1000) / ticksPerSecond, rssBytes: Number(stat[21]) * 4096 };
}

/** The pid of the lab instance's Asterisk (its command line names its own config inside the instance dir). */
export async function asteriskPid(lab: Lab): Promise<number> {
  const instance = lab.asterisk.instanceDir.split('/').at(-1)!;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(join('/proc', entry, 'cmdline'), 'utf8').catch(() => '');
    const [program, ...args] = cmdline.split('\0');
    if (program === '/usr/sbin/asterisk' && args.some((arg) => arg.includes(`/lab-instances/${instance}/`)))
      return Number(entry);
  }
  throw new Error(`no Asterisk process of lab instance ${instance}`);
}
