import { log } from '../../log.js';
import { runPeriodically } from '../../periodic-job.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';

/** MEDIA_NODE_DEAD_SECONDS unless configured: a node silent this long has lost its calls. */
export const DEFAULT_MEDIA_NODE_DEAD_SECONDS = 30;
/** A node's instance beats this often while its Asterisk answers... */
const BEAT_EVERY_MS = 1_000;
/** ...and its heartbeat lives this long: a node silent for more is not rung for (store/lua/claim-1.lua). */
export const HEARTBEAT_TTL_MS = 5_000;
/** Every instance looks for silent nodes this often. */
const SWEEP_EVERY_MS = 1_000;
/** Calls ended per sweep at most (one script run); the rest in the next second. */
const SWEEP_BATCH = 500;

export interface MediaNodeState {
  node: string;
  /** Its heartbeat is there: its app instance has its Asterisk, which answers. */
  up: boolean;
  /** When it last beat (ISO 8601), or the arrival of a call on it for a node never heard beat. */
  lastBeat: string;
}

export interface NodeLivenessSettings {
  redis: RedisClient;
  k: Keys;
  /** This instance's media node (MEDIA_NODE_ID) and the instance's own id (who has the node). */
  node: string;
  instanceId: string;
  /** True while this instance's ARI is connected and Asterisk answers (media/ari-connection.ts). */
  beating: () => boolean;
  deadSeconds: number;
  /** The operators' wrap-up after an answered call that ends with its node (region.wrapUpSeconds). */
  wrapUpSeconds: number;
}

/**
 * Media-node liveness, shared by every app instance through Redis: each instance beats for its
 * own node while its Asterisk answers, and every instance ends the calls of any node silent for
 * MEDIA_NODE_DEAD_SECONDS (store/lua/media-node-sweep-3.lua: outcome media-node-lost, once). So a
 * dead Asterisk, or a dead instance (only it reaches its Asterisk), never leaves callers waiting
 * in Redis that no operator can reach: ghosts.
 */
export function startNodeLiveness(settings: NodeLivenessSettings) {
  const { redis, k, node } = settings;
  const livenessLog = log.child({ component: 'media-nodes', mediaNode: node });
  let wasBeating = false;

  async function beat(): Promise<void> {
    if (!settings.beating()) {
      if (!wasBeating) return;
      wasBeating = false;
      livenessLog.warn('this media node stopped beating: its Asterisk does not answer');
      // Said at once rather than when the heartbeat runs out: its callers cannot be rung meanwhile.
      await stopBeating();
      return;
    }
    if (await beatFor(redis, k, { node, instanceId: settings.instanceId }))
      livenessLog.info({ instanceId: settings.instanceId }, 'media node beats: its calls can be rung for');
    wasBeating = true;
  }

  /** Takes this instance's heartbeat away (not another instance's that has the node since). */
  async function stopBeating(): Promise<void> {
    if ((await redis.get(k.mediaNode(node))) === settings.instanceId) await redis.del(k.mediaNode(node));
  }

  async function sweep(): Promise<void> {
    const done = await sweepLostNodes(redis, k, {
      deadMs: settings.deadSeconds * 1000,
      wrapUpMs: settings.wrapUpSeconds * 1000,
    });
    for (const { callId, what, node: lostNode } of done) {
      livenessLog.warn(
        { callId, lostNode, what },
        what === 'ended' ? 'call ended: its media node is lost' : 'call-back back in its place: its media node is lost',
      );
    }
  }

  // The first beat at once: calls arriving now must find their node beating.
  const beating = runPeriodically(`media node ${node} heartbeat`, beat, BEAT_EVERY_MS);
  const sweeping = runPeriodically('looking for silent media nodes', sweep, SWEEP_EVERY_MS, { atOnce: false });

  return {
    /** Beats now (e.g. right after ARI connected) rather than within the next second. */
    beatNow: (): void => void beating.runNow(),

    /** Every media node heard of, with whether it beats now (for /health). */
    async nodes(): Promise<MediaNodeState[]> {
      const seen = await redis.zRangeWithScores(k.mediaNodes(), 0, -1);
      if (seen.length === 0) return [];
      const up = await redis.mGet(seen.map(({ value }) => k.mediaNode(value)));
      return seen.map(({ value, score }, i) => ({
        node: value,
        up: up[i] !== null,
        lastBeat: new Date(score).toISOString(),
      }));
    },

    /** Stops beating and sweeping; the node's heartbeat goes at once (its callers cannot be rung while no instance has it). */
    async stop(): Promise<void> {
      await Promise.all([beating.stop(), sweeping.stop()]);
      await stopBeating().catch(() => undefined);
    },
  };
}

export type NodeLiveness = ReturnType<typeof startNodeLiveness>;

/** One heartbeat of `node` (store/lua/media-node-beat-2.lua); true when the node was silent before it. */
export async function beatFor(
  redis: RedisClient,
  k: Keys,
  { node, instanceId, ttlMs = HEARTBEAT_TTL_MS }: { node: string; instanceId: string; ttlMs?: number },
): Promise<boolean> {
  return (
    (await redis.mediaNodeBeat([k.mediaNode(node), k.mediaNodes()], [k.prefix, node, String(ttlMs), instanceId])) === 1
  );
}

/** Ends the calls of nodes silent for `deadMs` (store/lua/media-node-sweep-3.lua); what it did to which call. */
export async function sweepLostNodes(
  redis: RedisClient,
  k: Keys,
  { deadMs, wrapUpMs, batch = SWEEP_BATCH }: { deadMs: number; wrapUpMs: number; batch?: number },
): Promise<{ callId: string; what: 'ended' | 'requeued'; node: string }[]> {
  const reply = await redis.mediaNodeSweep(
    [k.mediaNodes(), k.activeCalls(), k.mediaNodesSwept()],
    [k.prefix, String(deadMs), String(wrapUpMs), String(batch)],
  );
  return (reply as [string, 'ended' | 'requeued', string][]).map(([callId, what, node]) => ({ callId, what, node }));
}
