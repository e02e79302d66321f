import pRetry from 'p-retry';
import { createClient, createSentinel } from 'redis';
import { log } from '../log.js';
import { type ReplicaAcks, requireReplicaAcks } from './replica-ack.js';
import { scripts } from './scripts.js';

/** Reconnect delays double from this... */
const RECONNECT_FIRST_MS = 50;
/** ...up to this, and the client keeps trying for as long as the process runs. */
const RECONNECT_MAX_MS = 2_000;
/**
 * Under Sentinel every command is bounded (node-redis's default for it is 5 s): above the 5 s a
 * blocking read of the events or the node commands waits, below what an API caller would wait.
 */
const SENTINEL_COMMAND_TIMEOUT_MS = 10_000;

const reconnectStrategy = (retries: number) =>
  // Jitter, so that several app instances do not all knock at once after a Redis restart.
  Math.min(RECONNECT_FIRST_MS * 2 ** retries, RECONNECT_MAX_MS) + Math.floor(Math.random() * RECONNECT_FIRST_MS);

function createRedisClient(url: string, name: string) {
  return createClient({
    url,
    name,
    scripts,
    // While disconnected, commands fail at once instead of queueing in memory: a claim or a
    // requeue sent seconds later, after the caller or the operator has moved on, is worse than
    // an error the caller can see and retry.
    disableOfflineQueue: true,
    socket: { reconnectStrategy },
  });
}

function createSentinelClient(target: SentinelTarget, name: string) {
  return createSentinel({
    name: target.masterName,
    sentinelRootNodes: target.sentinels,
    RESP: 2,
    scripts,
    // A command to a master that went away is not queued by its node client: the Sentinel
    // client finds the new master (asking the sentinels) and sends it there, for up to
    // maxCommandRediscovers tries a second apart; every script is safe to run twice.
    nodeClientOptions: { name, disableOfflineQueue: true, socket: { reconnectStrategy } },
    commandOptions: { timeout: SENTINEL_COMMAND_TIMEOUT_MS },
  });
}

/** One Redis (REDIS_URL). */
export type RedisNodeClient = ReturnType<typeof createRedisClient>;
/** The master of a Redis Sentinel set (REDIS_SENTINELS, REDIS_SENTINEL_MASTER), whichever it is now. */
export type RedisSentinelClient = ReturnType<typeof createSentinelClient>;
/** A connected client with the project's Lua scripts (store/scripts.ts) as methods. */
export type RedisClient = RedisNodeClient | RedisSentinelClient;

export interface SentinelTarget {
  sentinels: { host: string; port: number }[];
  /** The name the sentinels monitor the master under (REDIS_SENTINEL_MASTER). */
  masterName: string;
}

/** Where Redis is: one server by URL, or a master found through Sentinel. */
export type RedisTarget = { url: string } | SentinelTarget;

export const isSentinelClient = (client: RedisClient): client is RedisSentinelClient => 'getMasterNode' in client;

/** A command by its arguments, to the master under Sentinel (node-redis's two sendCommand differ). */
export function sendCommand(client: RedisClient, args: string[]): Promise<unknown> {
  return isSentinelClient(client) ? client.sendCommand(false, args) : client.sendCommand(args);
}

/** SCAN over the keys of either kind of client (their iterators differ in type only). */
export function scanKeys(
  client: RedisClient,
  options: { MATCH: string; TYPE?: string; COUNT?: number },
): AsyncIterable<string[]> {
  return isSentinelClient(client) ? client.scanIterator(options) : client.scanIterator(options);
}

/** A new, unconnected client to the same Redis (a connection of its own for a blocking read). */
export function duplicateClient(client: RedisClient): RedisClient {
  // Each kind's duplicate() is typed with node-redis's default modules; the client is the same kind as the one duplicated.
  return (isSentinelClient(client) ? client.duplicate() : client.duplicate()) as unknown as RedisClient;
}

/**
 * Connects to Redis, waiting (retrying with the same backoff, logging each failure) until it
 * answers. The client then survives Redis going away: errors are logged (an `error` event
 * without a listener would kill the process) and it reconnects with capped backoff; meanwhile
 * its commands reject at once with ClientOfflineError.
 */
export async function connectRedis(
  url: string,
  { name = 'regionvaxel' }: { name?: string } = {},
): Promise<RedisNodeClient> {
  const client = createRedisClient(url, name);
  const clientLog = log.child({ component: 'redis', client: name });
  client.on('error', (error: unknown) => clientLog.warn({ err: error }, 'redis connection error'));
  client.on('reconnecting', () => clientLog.info('redis reconnecting'));
  await client.connect();
  client.on('ready', () => clientLog.info('redis connection back'));
  return client;
}

/**
 * Connects to one Redis or, under Sentinel, to the master the sentinels name, following it
 * through failovers. With `ackReplicas` (Sentinel: 1 unless told otherwise), every state change
 * (each Lua script that writes) is answered only once that many replicas have it
 * (store/replica-ack.ts), so a failover loses no change a caller was told had happened.
 */
export async function connectRedisTo(
  target: RedisTarget,
  { name = 'regionvaxel', ackReplicas }: { name?: string; ackReplicas?: number } = {},
): Promise<{ client: RedisClient; replicas: ReplicaAcks | undefined }> {
  const required = ackReplicas ?? ('url' in target ? 0 : 1);
  const client = 'url' in target ? await connectRedis(target.url, { name }) : await connectSentinel(target, name);
  return {
    client,
    replicas:
      required > 0
        ? requireReplicaAcks(client, (args) => sendCommand(client, args), scripts, { replicas: required })
        : undefined,
  };
}

/** As connectRedis: waits, trying again with backoff, until the sentinels name a master that answers. */
function connectSentinel(target: SentinelTarget, name: string): Promise<RedisSentinelClient> {
  const clientLog = log.child({ component: 'redis', client: name, sentinelMaster: target.masterName });
  return pRetry(
    async () => {
      const client = createSentinelClient(target, name);
      client.on('error', (error: unknown) => clientLog.warn({ err: error }, 'redis sentinel error'));
      client.on('topology-change', (event: { type: string; node?: { host: string; port: number } }) => {
        if (event.type === 'MASTER_CHANGE')
          clientLog.warn(
            { master: event.node && `${event.node.host}:${event.node.port}` },
            'redis master changed (Sentinel failover): following it',
          );
      });
      await client.connect();
      return client;
    },
    {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 200,
      maxTimeout: 5_000,
      onFailedAttempt: ({ error, attemptNumber }) =>
        clientLog.warn(
          { attempt: attemptNumber, reason: error.message },
          'no Redis master through Sentinel yet, retrying',
        ),
    },
  );
}
