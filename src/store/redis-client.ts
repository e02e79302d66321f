import { createClient } from 'redis';
import { log } from '../log.js';
import { entryScripts } from '../directory/entries/entry-scripts.js';
import { scripts } from './scripts.js';

/** Reconnect delays double from this... */
const RECONNECT_FIRST_MS = 50;
/** ...up to this, and the client keeps trying for as long as the process runs. */
const RECONNECT_MAX_MS = 2_000;

function createRedisClient(url: string, name: string) {
  return createClient({
    url,
    name,
    scripts: { ...scripts, ...entryScripts },
    // While disconnected, commands fail at once instead of queueing in memory: a claim or a
    // requeue sent seconds later, after the caller or the operator has moved on, is worse than
    // an error the caller can see and retry.
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries) =>
        // Jitter, so that several app instances do not all knock at once after a Redis restart.
        Math.min(RECONNECT_FIRST_MS * 2 ** retries, RECONNECT_MAX_MS) + Math.floor(Math.random() * RECONNECT_FIRST_MS),
    },
  });
}

/** A connected client with the project's Lua scripts (store/scripts.ts, the directory's) as methods. */
export type RedisClient = ReturnType<typeof createRedisClient>;

/**
 * Connects to Redis, waiting (retrying with the same backoff, logging each failure) until it
 * answers. The client then survives Redis going away: errors are logged (an `error` event
 * without a listener would kill the process) and it reconnects with capped backoff; meanwhile
 * its commands reject at once with ClientOfflineError.
 */
export async function connectRedis(url: string, { name = 'regionvaxel' }: { name?: string } = {}): Promise<RedisClient> {
  const client = createRedisClient(url, name);
  const clientLog = log.child({ component: 'redis', client: name });
  client.on('error', (error: unknown) => clientLog.warn({ err: error }, 'redis connection error'));
  client.on('reconnecting', () => clientLog.info('redis reconnecting'));
  await client.connect();
  client.on('ready', () => clientLog.info('redis connection back'));
  return client;
}
