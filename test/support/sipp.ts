import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { freeUdpPort } from '../../src/lab/free-port.js';

/** The project's SIPp scenarios (test/sipp/). */
export const SCENARIOS = {
  caller: resolve(import.meta.dirname, '../sipp/caller.xml'),
  /** A caller who may be refused (486, 503) before the answer; load runs count answered and refused calls with traceCounts. */
  callerRefusable: resolve(import.meta.dirname, '../sipp/caller-refusable.xml'),
  operatorPhone: resolve(import.meta.dirname, '../sipp/operator-phone.xml'),
} as const;

export interface SippOptions {
  /** A scenario file, or one of SIPp's built-in scenarios. */
  scenarioFile?: string;
  builtin?: 'uac' | 'uas';
  /** Where to send (UAC); 'host:port'. A UAS that only answers needs none. */
  remote?: string;
  /** -s: the number called (the Request-URI user). */
  service?: string;
  /** Address SIPp binds and puts in Via/Contact; 127.0.0.1. Another loopback address (127.0.0.2) plays a stranger. */
  localIp?: string;
  /** A free UDP port when not given. */
  localPort?: number;
  /** -m: stop after this many calls; 1. */
  calls?: number;
  /** -r: calls per second. */
  rate?: number;
  /** -key NAME VALUE each, over the scenario's `vaxel-key-defaults`. */
  vars?: Record<string, string>;
  extraArgs?: string[];
  /** Keep every SIP message SIPp sent and received (-trace_msg), given back as `messages`. */
  traceMessages?: boolean;
  /** Count each scenario step's messages (-trace_counts), given back as `counts`: cheap enough for load runs. */
  traceCounts?: boolean;
  /** SIPp is killed when it runs longer. */
  timeoutMs: number;
}

export interface SippStats {
  successful: number;
  failed: number;
  created: number;
}

export interface SippResult {
  /** SIPp's exit code: 0 all calls succeeded, 1 some failed, 99 none processed; null when killed. */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** From the final line of SIPp's statistics file (-trace_stat). */
  stats?: SippStats;
  /** Unexpected messages and other errors SIPp traced (-trace_err), without its routine recv timeouts. */
  errors: string;
  /** With `traceMessages`: SIPp's message trace, every message sent and received as text. */
  messages: string;
  /** With `traceCounts`: the final count of each column of SIPp's counts file, e.g. `6_200_Recv`, `0_INVITE_Retrans`. */
  counts?: Record<string, number>;
}

export interface SippProcess {
  localPort: number;
  localIp: string;
  /** Resolves when SIPp exits by itself (or is stopped or times out). */
  done: Promise<SippResult>;
  /** Ends SIPp now (SIGINT, then SIGKILL) and gives its result. */
  stop(): Promise<SippResult>;
}

/** Runs SIPp to completion: e.g. a caller that places calls and exits. */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await (await launchSipp(options)).done;
    if (!mayRetryBind(options, attempt, result.stderr)) return result;
  }
}

/**
 * A port that was free when picked may be taken by another test's socket before SIPp binds it
 * (errno 98, EADDRINUSE): then SIPp starts again on another, when the port was ours to pick.
 */
/** SIPp exits within milliseconds when it cannot bind its port. */
const BIND_GRACE_MS = 100;

function mayRetryBind(options: SippOptions, attempt: number, output: string): boolean {
  return options.localPort === undefined && attempt < 3 && /Unable to bind main socket, errno = 98/.test(output);
}

/**
 * Starts SIPp and resolves once it listens on its port, e.g. an operator's phone (UAS) that
 * must be reachable before the switchboard dials it. Each run has its own working dir, so
 * runs never share trace files.
 */
export async function startSipp(options: SippOptions): Promise<SippProcess> {
  for (let attempt = 1; ; attempt++) {
    const sipp = await launchSipp(options);
    const exited = sipp.done.then((result) => ({ exited: result }));
    let bound = false;
    // The port taken may also be another socket's (then SIPp fails to bind at once): a moment's grace tells which.
    const listening = waitUntilBound(sipp.localIp, sipp.localPort).then(() => {
      bound = true;
      return new Promise<undefined>((r) => setTimeout(r, BIND_GRACE_MS));
    });
    const outcome = await Promise.race([listening, exited]);
    if (!outcome) return sipp;
    const { code, stderr, stdout } = outcome.exited;
    // A short scenario (a caller refused at once) may end before the port was seen or within the
    // grace: it did run (it listened, or it placed its calls: exit 0 or 1), and `done` has its result.
    if ((bound || code === 0 || code === 1) && !/Unable to bind main socket/.test(stderr)) return sipp;
    if (!mayRetryBind(options, attempt, stderr))
      throw new Error(`sipp exited before it was listening (code ${code}):\n${stderr || stdout}`);
  }
}

/** Where a SIP peer listens: 'host:port', or an Asterisk instance's SIP side. */
export type SipTarget = string | { sipHost: string; sipPort: number };

export interface CallerOptions extends Omit<SippOptions, 'scenarioFile' | 'builtin' | 'remote' | 'service'> {
  /** The caller hangs up after this long unless the far side does first; caller.xml's default (30 s) when not given. */
  hangupAfterMs?: number;
  /** The caller's number (From); caller.xml's default (0701234567) when not given. */
  callerNumber?: string;
}

/** A citizen (test/sipp/caller.xml) calling `dialled` at `target`; resolves once SIPp listens (startSipp). */
export function startCaller(target: SipTarget, dialled: string, options: CallerOptions): Promise<SippProcess> {
  return startSipp(callerSipp(target, dialled, options));
}

/** A citizen (test/sipp/caller.xml) calling `dialled` at `target`, run to completion (runSipp). */
export function runCaller(target: SipTarget, dialled: string, options: CallerOptions): Promise<SippResult> {
  return runSipp(callerSipp(target, dialled, options));
}

function callerSipp(
  target: SipTarget,
  dialled: string,
  { hangupAfterMs, callerNumber, vars, ...options }: CallerOptions,
): SippOptions {
  return {
    ...options,
    scenarioFile: SCENARIOS.caller,
    remote: typeof target === 'string' ? target : `${target.sipHost}:${target.sipPort}`,
    service: dialled,
    vars: {
      ...(callerNumber === undefined ? {} : { caller_number: callerNumber }),
      ...(hangupAfterMs === undefined ? {} : { hangup_after_ms: String(hangupAfterMs) }),
      ...vars,
    },
  };
}

async function launchSipp(options: SippOptions): Promise<SippProcess> {
  const localIp = options.localIp ?? '127.0.0.1';
  const localPort = options.localPort ?? (await freeUdpPort());
  const workDir = await mkdtemp(join(tmpdir(), 'regionvaxel-sipp-'));
  const statFile = join(workDir, 'stats.csv');
  const errorFile = join(workDir, 'errors.log');
  const messageFile = join(workDir, 'messages.log');
  const args = [
    ...(await scenarioArgs(options, workDir)),
    ...(options.remote ? [options.remote] : []),
    ...(options.service ? ['-s', options.service] : []),
    '-i',
    localIp,
    '-p',
    String(localPort),
    '-m',
    String(options.calls ?? 1),
    ...(options.rate ? ['-r', String(options.rate)] : []),
    '-nostdin',
    '-trace_err',
    '-error_file',
    errorFile,
    '-trace_stat',
    '-stf',
    statFile,
    '-fd',
    '1',
    ...(options.traceMessages ? ['-trace_msg', '-message_file', messageFile] : []),
    ...(options.traceCounts ? ['-trace_counts'] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn('sipp', args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  let timedOut = false;
  const exited = new Promise<number | null>((resolveExit, rejectExit) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      rejectExit(error.code === 'ENOENT' ? new Error('sipp is not installed (apt-get install sip-tester)') : error),
    );
    child.once('exit', (code) => resolveExit(code));
  });
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);

  const done = exited
    .then(async (code) => ({
      code,
      timedOut,
      stdout,
      stderr,
      stats: parseStats(await readFile(statFile, 'utf8').catch(() => '')),
      errors: meaningfulErrors(await readFile(errorFile, 'utf8').catch(() => '')),
      messages: await readFile(messageFile, 'utf8').catch(() => ''),
      counts: options.traceCounts ? await readCounts(workDir) : undefined,
    }))
    .finally(async () => {
      clearTimeout(timer);
      await rm(workDir, { recursive: true, force: true });
    });

  return {
    localPort,
    localIp,
    done,
    stop() {
      kill();
      return done;
    },
  };
}

/**
 * Our scenarios take their values two ways: `[name]` in SIP messages from `-key name value`, and
 * `{{name}}` where SIPp wants a literal (a recv timeout), written into a copy in the run's dir.
 */
async function scenarioArgs(options: SippOptions, workDir: string): Promise<string[]> {
  if (options.builtin) return ['-sn', options.builtin, ...keyArgs(options.vars ?? {})];
  if (!options.scenarioFile) throw new Error('runSipp: give scenarioFile or builtin');
  const xml = await readFile(options.scenarioFile, 'utf8');
  const vars = { ...scenarioKeyDefaults(xml), ...options.vars };
  const rendered = xml.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`${options.scenarioFile} needs a value for {{${name}}}`);
    return value;
  });
  const scenario = join(workDir, basename(options.scenarioFile));
  await writeFile(scenario, rendered);
  return ['-sf', scenario, ...keyArgs(vars)];
}

function keyArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([key, value]) => ['-key', key, value]);
}

/**
 * SIPp refuses to run a scenario that uses a -key it was not given, so each of our scenarios
 * names its defaults in a comment line: `vaxel-key-defaults: name=value name=value`.
 */
export function scenarioKeyDefaults(xml: string): Record<string, string> {
  const line = /vaxel-key-defaults:([^\n]*)/.exec(xml)?.[1] ?? '';
  return Object.fromEntries(
    line
      .trim()
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

/** The last line of SIPp's `;`-separated statistics file, cumulative counters. */
export function parseStats(csv: string): SippStats | undefined {
  const rows = csv.split('\n').filter((row) => row.trim() !== '');
  const header = rows[0]?.split(';');
  const last = rows.at(-1)?.split(';');
  if (!header || !last || rows.length < 2) return undefined;
  const column = (name: string) => Number(last[header.indexOf(name)] ?? NaN);
  return {
    successful: column('SuccessfulCall(C)'),
    failed: column('FailedCall(C)'),
    created: column('TotalCallCreated'),
  };
}

/** SIPp names its counts file after the scenario and its pid (<scenario>_<pid>_counts.csv) in its working dir; the last row is cumulative. */
async function readCounts(workDir: string): Promise<Record<string, number> | undefined> {
  const file = (await readdir(workDir)).find((name) => name.endsWith('_counts.csv'));
  const rows = file ? (await readFile(join(workDir, file), 'utf8')).split('\n').filter((row) => row.trim() !== '') : [];
  const header = rows[0]?.split(';');
  const last = rows.at(-1)?.split(';');
  if (!header || !last || rows.length < 2) return undefined;
  return Object.fromEntries(header.flatMap((name, i) => (/^\d+_/.test(name) ? [[name, Number(last[i])]] : [])));
}

/**
 * SIPp writes its error trace without line breaks between events, and counts a recv timeout
 * that jumps to a label (how our scenarios wait for a BYE) as an event too; those are dropped.
 */
function meaningfulErrors(text: string): string {
  return text
    .split(/(?=\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d+\t)/)
    .map((event) => event.replace('The following events occurred:', '').trim())
    .filter((event) => event !== '' && !/receive timeout on message .*jumping to label/.test(event))
    .join('\n');
}

/** True once the UDP port is taken (by SIPp): binding it ourselves fails. */
async function waitUntilBound(host: string, port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await udpPortTaken(host, port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sipp did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

function udpPortTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolveTaken) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolveTaken(true);
    });
    socket.bind(port, host, () => socket.close(() => resolveTaken(false)));
  });
}
