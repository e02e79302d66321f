import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseCallRecord } from '../src/calls/call-records.js';
import { startAsterisk } from '../src/lab/asterisk.js';
import { freeUdpPort } from '../src/lab/free-port.js';
import { startRedisServer } from '../src/lab/redis-server.js';
import { keys } from '../src/store/keys.js';
import { connectRedis } from '../src/store/redis-client.js';
import { eventually } from '../test/support/lab-switchboard.js';
import { SCENARIOS, type SippProcess, startSipp } from '../test/support/sipp.js';
import { SWITCHBOARD_NUMBER } from './call-load.js';

const CALLS = Number(process.env.BENCH_SOAK_CALLS ?? 10_000);
const OPERATORS = Number(process.env.BENCH_SOAK_OPERATORS ?? 20);
/** New callers a second, and at most this many calls at once (SIPp waits for calls to end). */
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 20);
const AT_ONCE = 150;
/** The operator talks this long, then their phone hangs up. */
const TALK_MS = 400;
/** The RSS at the start is taken after this many calls (code loaded, caches and pools filled). */
const WARM_UP = Math.min(500, Math.floor(CALLS / 10));
const RSS_GROWTH_LIMIT = 0.1;

type Api = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/**
 * `npm run bench -- soak`: 10 000 calls (BENCH_SOAK_CALLS) through the whole life of a call —
 * queued, taken by one of 20 operators (answer-next), their phone (SIPp) answering, talk, the
 * phone hanging up, the caller hung up — at about 20 new calls a second. The app runs in a
 * process of its own (bench/switchboard-process.ts), so its memory is its own: the RSS and heap
 * (after a full collection) after the warm-up (the first 500 calls) and at the end must stay
 * within 10 %; and every call must have ended with nothing left behind (no call active, no
 * channel or bridge in Asterisk, no operator stuck).
 */
export async function run(): Promise<void> {
  const appName = `rv-soak-${randomUUID().slice(0, 8)}`;
  const [redisServer, asterisk] = await Promise.all([startRedisServer(), startAsterisk({ appName })]);
  const app = fork(new URL('./switchboard-process.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: {
      ...process.env,
      BENCH_SWITCHBOARD: JSON.stringify({
        redisUrl: redisServer.url,
        ari: { url: asterisk.ariUrl, username: asterisk.ariUser, password: asterisk.ariPassword, app: appName },
        operators: OPERATORS,
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = <T>(type: string) =>
    new Promise<T>((resolve) =>
      app.on('message', (message: { type: string }) => message.type === type && resolve(message as T)),
    );
  const memory = async () => {
    const answer = reply<{ memory: NodeJS.MemoryUsage }>('memory');
    app.send({ type: 'memory' });
    return (await answer).memory;
  };
  const redis = await connectRedis(redisServer.url, { name: 'bench-soak' });
  const ari = async <T>(path: string) =>
    (
      await fetch(`${asterisk.ariUrl}${path}`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${asterisk.ariUser}:${asterisk.ariPassword}`).toString('base64')}`,
        },
      })
    ).json() as Promise<T>;
  const phones: SippProcess[] = [];
  let stopped = false;
  try {
    const { url, tokens } = await reply<{ url: string; tokens: string[] }>('ready');
    console.log(
      `\nsoak: ${CALLS} calls at ${RATE}/s, ${OPERATORS} operators, ${TALK_MS} ms of talk each, the app in process ${app.pid} (machine: ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)})`,
    );
    const operators: Api[] = [];
    for (const [i, token] of tokens.entries()) {
      // A media port of its own: SIPp's default (6000 up) is shared by every SIPp on the machine.
      const phone = await startSipp({
        scenarioFile: SCENARIOS.operatorPhone,
        calls: 1_000_000,
        vars: { talk_ms: String(TALK_MS) },
        extraArgs: ['-l', '100', '-mp', String(await freeUdpPort())],
        timeoutMs: 24 * 3_600_000,
      });
      phones.push(phone);
      const api: Api = async (method, path, body) => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
      };
      const login = await api('POST', '/api/v1/operator/session', {
        phone: `sip:op${i}@127.0.0.1:${phone.localPort}`,
        municipalities: ['2480'],
      });
      if (login.status !== 201) throw new Error(`operator ${i} could not log in: ${JSON.stringify(login.body)}`);
      operators.push(api);
    }

    const callers = await startSipp({
      scenarioFile: SCENARIOS.callerRefusable,
      remote: `${asterisk.sipHost}:${asterisk.sipPort}`,
      service: SWITCHBOARD_NUMBER,
      calls: CALLS,
      rate: RATE,
      vars: { hold_ms: '120000' },
      extraArgs: ['-l', String(AT_ONCE)],
      timeoutMs: 6 * 3_600_000,
    });

    let taken = 0;
    let stuck = 0;
    let start: Promise<NodeJS.MemoryUsage> | undefined;
    const began = performance.now();
    // Each operator takes the next call as soon as they are free again, until every call is done.
    const working = operators
      .map(async (api) => {
        while (!stopped) {
          const next = await api<{ call: { callId: string } | null }>('POST', '/api/v1/operator/answer-next');
          if (!next.body?.call) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          taken += 1;
          if (taken === WARM_UP) start = memory();
          if (taken % 1000 === 0)
            console.log(`  ${taken} calls taken, ${(taken / ((performance.now() - began) / 1000)).toFixed(1)}/s`);
          await new Promise((r) => setTimeout(r, TALK_MS));
          // Free again once the call ended (or, if their phone did not answer in time, it went back to the queue).
          const free = async () =>
            (await api<{ state: string }>('GET', '/api/v1/operator/session')).body.state === 'available'
              ? true
              : undefined;
          await eventually(free, { timeoutMs: 120_000, what: 'the operator free again' }).catch(() => (stuck += 1));
        }
      })
      .map((operator) => operator.catch((error: unknown) => console.error('an operator stopped taking calls:', error)));
    const result = await callers.done;
    stopped = true;
    await Promise.all(working);
    await eventually(async () => ((await ari<unknown[]>('/ari/channels')).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'no channels left',
    });
    const end = await memory();

    const k = keys('rv');
    const ids = await redis.zRange(k.callsByTime(), 0, -1);
    const byOutcome: Record<string, number> = {};
    for (let i = 0; i < ids.length; i += 500) {
      for (const hash of await Promise.all(ids.slice(i, i + 500).map((id) => redis.hGetAll(k.call(id))))) {
        const record = parseCallRecord(hash);
        byOutcome[record.outcome ?? record.state] = (byOutcome[record.outcome ?? record.state] ?? 0) + 1;
      }
    }
    const active = await redis.sCard(k.activeCalls());
    const bridges = (await ari<unknown[]>('/ari/bridges')).length;
    console.log(
      `\n${result.stats?.created ?? 0} calls placed, ${taken} taken by operators in ${((performance.now() - began) / 1000).toFixed(0)} s; records by outcome ${JSON.stringify(byOutcome)}`,
    );
    console.log(
      `left behind: ${active} active calls, ${bridges} bridges in Asterisk; operators not free 2 minutes after a call: ${stuck}`,
    );
    if (!start) throw new Error('fewer calls than the warm-up');
    const before = await start;
    const growth = end.rss / before.rss - 1;
    console.log(
      `the app's RSS after ${WARM_UP} calls ${mb(before.rss)} (heap ${mb(before.heapUsed)}), at the end ${mb(end.rss)} (heap ${mb(end.heapUsed)}): ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %`,
    );
    // Memory given back is no leak: only growth counts against the target.
    console.log(
      `target: RSS at the end at most ${RSS_GROWTH_LIMIT * 100} % above the start — ${growth <= RSS_GROWTH_LIMIT ? 'met' : 'NOT met'}`,
    );
  } finally {
    stopped = true;
    await Promise.all(phones.map((phone) => phone.stop()));
    const exited = new Promise((resolve) => app.once('exit', resolve));
    app.send({ type: 'stop' });
    await exited;
    await redis.close();
    await Promise.all([asterisk.stop(), redisServer.stop()]);
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
