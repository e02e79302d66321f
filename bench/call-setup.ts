import { availableParallelism, loadavg } from 'node:os';
import { DEFAULT_CAPACITY, UNLIMITED } from '../src/media/arrival/capacity.js';
import {
  MINIMAL_NUMBER,
  SWITCHBOARD_NUMBER,
  type LoadLab,
  type LoadResult,
  percent,
  recordsSince,
  runLoad,
  setUpInTime,
  startLoadLab,
  waitForNoChannels,
} from './call-load.js';
import { countSetUpRoundTrips } from './round-trips.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
/** Steps of 5 where a 2-core node's knees lie: steps of 20 there make the ratio of the knees too coarse to judge 90 %. */
const RATES = (
  process.env.BENCH_RATES ?? '40,80,100,120,130,140,145,150,155,160,165,170,175,180,190,200,220,240,270,300,340,380'
)
  .split(',')
  .map(Number)
  .filter((rate) => rate > 0);
/** The knee: the highest rate with at least this share of calls set up. */
const KNEE_SHARE = 0.999;
/** A rate search ends after this many rates in a row below the knee share. */
const MISSES_TO_STOP = 2;
const HOLD_MS = 1_000;

interface Row {
  rate: number;
  sipp: LoadResult;
  setUp: number;
  /** Calls that reached the app and were not refused. */
  accepted: number;
  refused: number;
}

/**
 * `npm run bench -- call-setup`: SIPp's 1-second calls at rising rates, each rate for
 * BENCH_SECONDS (15) s, first to the minimal ARI queue (bench/minimal-ari-queue.ts: answer,
 * holding bridge, music, nothing else) and then to the switchboard (Umeå's number), on the same
 * Asterisk in the same run, waiting between runs until Asterisk has no channel left. A call
 * counts as set up only when it waited in its queue with its holding bridge and music within
 * its first second (from the channel's creation in Asterisk): for the switchboard from its own
 * records (enqueuedAt − arrivedAt; it enqueues once the caller hears music), for the minimal
 * app from its own count. SIPp's "successful" only says a call was answered.
 *
 * Prints the round trips of one set-up, each app's knee (the highest rate with ≥ 99.9 % set
 * up) and their ratio, and the switchboard at twice its knee with its capacity limit
 * (DEFAULT_CAPACITY) and without: with it, the calls accepted must stay ≥ 99.9 % set up and
 * the rest be refused (busy) before any answer.
 */
export async function run(): Promise<void> {
  const load = await startLoadLab({ capacity: UNLIMITED });
  try {
    console.log(
      `\ncall-setup: 1-second calls at rising rates, ${SECONDS} s each (machine: ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)})`,
    );
    await countSetUpRoundTrips(load, SWITCHBOARD_NUMBER);

    console.log(`\n${'rate'.padStart(6)}  ${'minimal ARI queue: set up'.padEnd(34)}  Regionväxeln: set up`);
    const minimal: Row[] = [];
    const switchboard: Row[] = [];
    for (const rate of RATES) {
      const minimalOn = misses(minimal) < MISSES_TO_STOP;
      const switchboardOn = misses(switchboard) < MISSES_TO_STOP;
      if (!minimalOn && !switchboardOn) break;
      const m = minimalOn ? await minimalRun(load, rate) : undefined;
      const s = switchboardOn ? await switchboardRun(load, rate) : undefined;
      if (m) minimal.push(m);
      if (s) switchboard.push(s);
      console.log(`${String(rate).padStart(6)}  ${(m ? show(m) : '').padEnd(34)}  ${s ? show(s) : ''}`);
    }
    const minimalKnee = knee(minimal);
    const switchboardKnee = knee(switchboard);
    console.log(
      `\nknee (highest rate with ≥ ${KNEE_SHARE * 100} % set up within 1 s): minimal ARI queue ${minimalKnee} calls/s, Regionväxeln ${switchboardKnee} calls/s`,
    );
    if (minimalKnee === 0)
      console.log(
        'the minimal queue set up too few calls at every rate tried: no ratio (a busy machine? see the load average)',
      );
    else
      console.log(
        `Regionväxeln's knee is ${percent(switchboardKnee, minimalKnee)} of the minimal queue's (target ≥ 90 %) — ${switchboardKnee >= 0.9 * minimalKnee ? 'met' : 'NOT met'}`,
      );

    const twice = 2 * Math.max(switchboardKnee, RATES[0]!);
    console.log(`\nat twice Regionväxeln's knee, ${twice} calls/s:`);
    await load.lab.stopApp();
    await load.lab.startApp({ capacity: DEFAULT_CAPACITY });
    const limited = await switchboardRun(load, twice);
    console.log(
      `  with the capacity limit (${DEFAULT_CAPACITY.settingUp} setting up, ${DEFAULT_CAPACITY.held} held): ${show(limited)}`,
    );
    console.log(
      `    accepted calls set up: ${percent(limited.setUp, limited.accepted)} (target ≥ ${KNEE_SHARE * 100} %) — ${limited.setUp >= KNEE_SHARE * limited.accepted ? 'met' : 'NOT met'}; refused before any answer: ${limited.refused}, SIPp timeouts ${limited.sipp.timeouts}`,
    );
    await load.lab.stopApp();
    await load.lab.startApp({ capacity: UNLIMITED });
    const unlimited = await switchboardRun(load, twice);
    console.log(`  without a limit:                     ${show(unlimited)}`);
    console.log(`(load average over the last minute: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
  } finally {
    await load.stop();
  }
}

async function minimalRun(load: LoadLab, rate: number): Promise<Row> {
  await load.minimal.report();
  const sipp = await runLoad(load, { service: MINIMAL_NUMBER, rate, seconds: SECONDS, holdMs: HOLD_MS });
  await waitForNoChannels(load.lab);
  const report = await load.minimal.report();
  return { rate, sipp, setUp: report.setUpInTime, accepted: sipp.created - sipp.refused, refused: sipp.refused };
}

async function switchboardRun(load: LoadLab, rate: number): Promise<Row> {
  const since = Date.now();
  const sipp = await runLoad(load, { service: SWITCHBOARD_NUMBER, rate, seconds: SECONDS, holdMs: HOLD_MS });
  await waitForNoChannels(load.lab);
  const records = await recordsSince(load.redis, load.lab, since);
  return {
    rate,
    sipp,
    setUp: records.filter(setUpInTime).length,
    accepted: sipp.created - sipp.refused,
    refused: sipp.refused,
  };
}

const show = (row: Row) =>
  `${percent(row.setUp, row.accepted).padStart(8)} of ${row.accepted}${row.refused ? `, ${row.refused} refused` : ''}${row.sipp.retransmissions ? `, ${row.sipp.retransmissions} retr.` : ''}`;

const share = (row: Row) => (row.accepted === 0 ? 0 : row.setUp / row.accepted);
/** Rates in a row at the end below the knee share. */
function misses(rows: Row[]): number {
  let n = 0;
  for (let i = rows.length - 1; i >= 0 && share(rows[i]!) < KNEE_SHARE; i--) n++;
  return n;
}
/** The highest rate with at least the knee share set up (0 when none had). */
const knee = (rows: Row[]): number =>
  Math.max(0, ...rows.filter((row) => share(row) >= KNEE_SHARE).map((row) => row.rate));
