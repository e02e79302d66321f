import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './free-port.js';
import { keepOutputTail } from './output-tail.js';

export interface RedisServerOptions {
  /** A free port is picked when not given. */
  port?: number;
  /** Data directory (AOF, RDB); a temporary one, removed on stop, when not given. */
  dir?: string;
  /** Append-only file with fsync on every write, so that an acknowledged write survives kill -9. */
  appendonly?: boolean;
  /** A replica of this master (redis-ha.ts). */
  replicaOf?: { host: string; port: number };
  /** A Redis Sentinel (`redis-sentinel`) watching this master instead of a Redis server (redis-ha.ts). */
  sentinel?: SentinelOptions;
}

export interface SentinelOptions {
  masterName: string;
  master: { host: string; port: number };
  /** Sentinels that must agree the master is down before one fails it over. */
  quorum: number;
  /** Silence after which a sentinel thinks the master is down. */
  downAfterMs: number;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The server's process id while it runs (a fault test in another process kills it). */
  readonly pid: number | undefined;
  /** Graceful shutdown (SIGTERM); removes the data directory if it was a temporary one. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: no shutdown save, no AOF rewrite. For fault tests. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (stopping it first if it runs). */
  restart(): Promise<void>;
}

const BINARY = 'redis-server';
/** Debian's package redis-sentinel; the same program as redis-server, in sentinel mode. */
const SENTINEL_BINARY = 'redis-sentinel';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
/** Lines of the server's own output kept to explain a failed start. */
const OUTPUT_TAIL_LINES = 30;

/** Runs a real redis-server on 127.0.0.1 for tests and the lab, and waits until it answers PING. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freeTcpPort());
  const tempDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'regionvaxel-redis-')));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'];
  const binary = opts.sentinel ? SENTINEL_BINARY : BINARY;
  const args = opts.sentinel
    ? [await writeSentinelConfig(dir, opts.sentinel), ...common]
    : [
        ...common,
        // No RDB snapshots: with appendonly the AOF is the one durable copy, without it nothing is.
        '--save',
        '',
        '--appendonly',
        opts.appendonly ? 'yes' : 'no',
        ...(opts.appendonly ? ['--appendfsync', 'always'] : []),
        ...(opts.replicaOf ? ['--replicaof', opts.replicaOf.host, String(opts.replicaOf.port)] : []),
      ];

  let child: ChildProcess | undefined;
  let stopped = false;

  async function launch(): Promise<void> {
    const { process: started, exited } = spawnServer(binary, args);
    child = started;
    try {
      await Promise.race([waitUntilServing(port, started.pid ?? -1), exited.then((why) => Promise.reject(why))]);
    } catch (error) {
      await terminate(started, 'SIGKILL');
      throw error;
    }
  }

  await launch().catch(async (error: unknown) => {
    if (tempDir) await rm(dir, { recursive: true, force: true });
    throw error;
  });

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child?.pid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await terminate(child, 'SIGTERM');
      if (tempDir) await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      if (child) await terminate(child, 'SIGKILL');
    },
    async restart() {
      if (stopped)
        throw new Error(`redis-server on port ${port} was stopped; start a new one instead of restarting it`);
      if (child) await terminate(child, 'SIGTERM');
      await launch();
    },
  };
}

/**
 * A sentinel's configuration file: sentinels rewrite theirs (what they learn of replicas and
 * other sentinels), so each has its own, in its own directory.
 */
async function writeSentinelConfig(dir: string, sentinel: SentinelOptions): Promise<string> {
  const { masterName, master } = sentinel;
  const file = join(dir, 'sentinel.conf');
  await writeFile(
    file,
    [
      `sentinel monitor ${masterName} ${master.host} ${master.port} ${sentinel.quorum}`,
      `sentinel down-after-milliseconds ${masterName} ${sentinel.downAfterMs}`,
      `sentinel failover-timeout ${masterName} ${Math.max(10_000, sentinel.downAfterMs * 10)}`,
      `sentinel parallel-syncs ${masterName} 1`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Spawns the server; `exited` resolves with an error saying why it is gone (could not spawn, or exited with this output). */
function spawnServer(binary: string, args: string[]): { process: ChildProcess; exited: Promise<Error> } {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = keepOutputTail(child, OUTPUT_TAIL_LINES);

  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'ENOENT'
          ? new Error(
              `${binary} was not found on PATH. Install Redis 7 (e.g. "apt-get install redis-server redis-sentinel") to run the lab and the Redis tests.`,
            )
          : new Error(`could not start ${binary}: ${error.message}`),
      );
    });
    child.once('exit', (code, signal) => {
      resolve(new Error(`${binary} exited (${signal ?? `code ${code}`}) before it was ready:\n${tail().join('\n')}`));
    });
  });
  return { process: child, exited };
}

/**
 * Resolves once the server with process id `pid` answers PING with +PONG (not -LOADING while
 * it replays its AOF). The pid check matters: another server already on the port would answer
 * too, while ours is about to exit because it cannot bind.
 */
async function waitUntilServing(port: number, pid: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await probe(port)) === pid) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${BINARY} on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
}

/** The process id of the Redis serving on `port`, or undefined while nothing serves there yet. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let replies = '';
    const done = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(1000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('INFO server\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      replies += chunk.toString('utf8');
      // The PING reply comes last: +PONG, or an error such as -LOADING.
      const last = /\r\n([+-][^\r\n]*)\r\n$/.exec(replies)?.[1];
      if (last === undefined) return;
      const pid = /^process_id:(\d+)/m.exec(replies)?.[1];
      done(last === '+PONG' && pid !== undefined ? Number(pid) : undefined);
    });
  });
}

/** Sends `signal` and waits for the process to be gone, escalating to SIGKILL if it lingers. */
async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  // No pid: it never started (spawn error), so there is nothing to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
}
