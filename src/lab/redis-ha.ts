import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from 'redis';
import type { SentinelTarget } from '../store/redis-client.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

/**
 * Redis that fails over, on loopback, from Debian's redis-server and redis-sentinel: one
 * primary, one replica and three sentinels (a quorum of two), as production runs it on three
 * hosts. For `npm run lab -- start --ha` and the failover tests.
 */
export interface RedisHa {
  readonly masterName: string;
  readonly servers: readonly [RedisServer, RedisServer];
  readonly sentinels: readonly RedisServer[];
  /** REDIS_SENTINELS and REDIS_SENTINEL_MASTER for the switchboard. */
  readonly target: SentinelTarget;
  /** The server that is master now, as the sentinels say. */
  master(): Promise<RedisServer>;
  stop(): Promise<void>;
}

export interface RedisHaOptions {
  /** Data directories go under it (primary, replica, sentinels); temporary ones when not given. */
  dir?: string;
  masterName?: string;
  /** How long the master must be silent before the sentinels fail it over. */
  downAfterMs?: number;
}

const SENTINELS = 3;
const QUORUM = 2;

export async function startRedisHa({
  dir,
  masterName = 'regionvaxel',
  downAfterMs = 2_000,
}: RedisHaOptions = {}): Promise<RedisHa> {
  const sub = async (name: string) => {
    if (dir === undefined) return undefined;
    await mkdir(join(dir, name), { recursive: true });
    return join(dir, name);
  };
  // The data that is newest is the master's: after a failover in an earlier run, the other one.
  const [a, b] = await Promise.all([sub('redis-a'), sub('redis-b')]);
  const [primaryDir, replicaDir] = (await aofTime(b)) > (await aofTime(a)) ? [b, a] : [a, b];
  const primary = await startRedisServer({ dir: primaryDir, appendonly: true });
  const started: RedisServer[] = [primary];
  try {
    const replica = await startRedisServer({
      dir: replicaDir,
      appendonly: true,
      replicaOf: { host: '127.0.0.1', port: primary.port },
    });
    started.push(replica);
    const sentinels: RedisServer[] = [];
    for (let i = 1; i <= SENTINELS; i++) {
      const sentinel = await startRedisServer({
        dir: await sub(`sentinel-${i}`),
        sentinel: { masterName, master: { host: '127.0.0.1', port: primary.port }, quorum: QUORUM, downAfterMs },
      });
      sentinels.push(sentinel);
      started.push(sentinel);
    }
    const servers = [primary, replica] as const;
    return {
      masterName,
      servers,
      sentinels,
      target: { masterName, sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })) },
      async master() {
        const port = await askSentinels(sentinels, masterName);
        const server = servers.find((s) => s.port === port);
        if (!server) throw new Error(`the sentinels name 127.0.0.1:${port} as master, not one of the lab's`);
        return server;
      },
      async stop() {
        await Promise.allSettled(started.map((s) => s.stop()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw error;
  }
}

/** When a data directory's AOF was last written (0: none). */
async function aofTime(dir: string | undefined): Promise<number> {
  if (dir === undefined) return 0;
  return stat(join(dir, 'appendonlydir')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
}

/** The master's port as the first sentinel that answers names it. */
async function askSentinels(sentinels: readonly RedisServer[], masterName: string): Promise<number> {
  for (const sentinel of sentinels) {
    const client = createClient({ url: sentinel.url, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const [, port] = (await client.sendCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName])) as [
        string,
        string,
      ];
      return Number(port);
    } catch {
      // Killed in a test, or not up yet: ask the next.
    } finally {
      if (client.isOpen) client.destroy();
    }
  }
  throw new Error('no sentinel answered');
}
