import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { TRANSFER_MODES, TRANSFER_TARGET_KINDS } from '../../calls/call-record.js';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';

/**
 * What one app instance asks the instance that has another media node to do there: only that
 * instance reaches the node's Asterisk (ARI stays on the node's loopback). `ring` rings an
 * operator for a claimed call, unless its caller is gone (media/nodes/node-router.ts); `control`
 * is an operator's call control action (media/call-control/), run where the call's legs are.
 */
const CallControlCommand = z.union([
  z.object({
    method: z.enum(['hold', 'unhold', 'completeTransfer', 'cancelTransfer', 'park', 'retrieve', 'hangUpCall']),
    callId: z.string(),
    operatorId: z.string(),
  }),
  z.object({
    method: z.literal('transfer'),
    callId: z.string(),
    operatorId: z.string(),
    target: z.object({ kind: z.enum(TRANSFER_TARGET_KINDS), value: z.string() }),
    mode: z.enum(TRANSFER_MODES),
  }),
  z.object({ method: z.literal('releaseBookedCaller'), callId: z.string() }),
]);

export const NodeCommandSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ring'),
    callId: z.string(),
    operatorChannelId: z.string(),
    phone: z.string(),
    municipalityName: z.string(),
  }),
  z.object({ kind: z.literal('control'), control: CallControlCommand }),
]);
export type NodeCommand = z.infer<typeof NodeCommandSchema>;
export type CallControlCommand = z.infer<typeof CallControlCommand>;

/** A command on its way: who sent it (the reply goes to their list) and until when it is worth doing. */
const EnvelopeSchema = z.object({
  id: z.string(),
  from: z.string(),
  sentAt: z.number(),
  ttlMs: z.number(),
  command: NodeCommandSchema,
});
const ReplySchema = z.union([
  z.object({ id: z.string(), ok: z.literal(true), value: z.unknown() }),
  z.object({
    id: z.string(),
    ok: z.literal(false),
    status: z.number().optional(),
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
]);
type Reply = z.infer<typeof ReplySchema>;

/** How long a command may take before its sender gives up (an ARI step alone may take 5 s). */
export const NODE_COMMAND_TIMEOUT_MS = 10_000;
/** A list nobody reads (its instance is down) goes away after this, with the stale commands in it. */
const LIST_TTL_MS = 60_000;
/** One BLPOP waits at most this long, so a stop is noticed soon. */
const BLOCK_SECONDS = 1;
const RETRY_MS = 500;
/** Clocks of two hosts may differ this much (NTP keeps them far closer). */
const CLOCK_SKEW_MS = 2_000;

export interface NodeCommandBus {
  /** This app instance: replies to what it sent come to its own list. */
  readonly instanceId: string;
  /**
   * Has `command` run by the instance that has `node` and gives its result back: an AppError
   * the other instance raised is raised here as it was (a 409 stays a 409). 503
   * `media_node_down` when the node does not beat, `media_node_timeout` when no reply comes.
   */
  send(node: string, command: NodeCommand, options?: { timeoutMs?: number }): Promise<unknown>;
  /** Whether a media node other than this instance's beats now (its instance can be asked). */
  othersUp(): Promise<boolean>;
  /** Runs the commands sent to this instance's node with `execute`, and receives replies, until stop. */
  start(execute: (command: NodeCommand) => Promise<unknown>): void;
  stop(): Promise<void>;
}

/**
 * The command channel between app instances over Redis: a list per media node
 * ({p}:node-commands:{node}) read by the node's instance, and a list per instance
 * ({p}:node-replies:{instanceId}) for the replies, both read by one BLPOP on a connection of
 * its own (a blocked connection can do nothing else). A command carries its deadline: one read
 * late (its instance was restarting) is dropped, never done after its sender has given up.
 */
export function createNodeCommandBus(deps: {
  redis: RedisClient;
  k: Keys;
  node: string;
  connect: () => Promise<RedisClient>;
}): NodeCommandBus {
  const { redis, k, node } = deps;
  const instanceId = `${node}/${randomUUID().slice(0, 8)}`;
  const inbox = k.nodeCommands(node);
  const replies = k.nodeReplies(instanceId);
  const busLog = log.child({ component: 'node-commands', mediaNode: node, instanceId });
  const pending = new Map<string, { resolve(value: unknown): void; reject(error: Error): void }>();
  let running: { stopping: boolean; reader?: RedisClient; done: Promise<void> } | undefined;

  async function push(list: string, message: unknown): Promise<void> {
    await redis.multi().rPush(list, JSON.stringify(message)).pExpire(list, LIST_TTL_MS).exec();
  }

  function received(reply: Reply): void {
    const waiting = pending.get(reply.id);
    if (!waiting) return; // It gave up already (timeout).
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else if (reply.status !== undefined)
      waiting.reject(new AppError(reply.status as AppError['status'], reply.code, reply.message, reply.details));
    else waiting.reject(new Error(`${reply.code}: ${reply.message}`));
  }

  async function carryOut(raw: string, execute: (command: NodeCommand) => Promise<unknown>): Promise<void> {
    const envelope = EnvelopeSchema.safeParse(JSON.parse(raw));
    if (!envelope.success)
      return busLog.error({ problem: z.prettifyError(envelope.error) }, 'dropped a malformed node command');
    const { id, from, sentAt, ttlMs, command } = envelope.data;
    if (Date.now() - sentAt > ttlMs + CLOCK_SKEW_MS)
      return busLog.warn(
        { commandId: id, from, kind: command.kind },
        'dropped a node command read after its sender gave up',
      );
    let reply: Reply;
    try {
      reply = { id, ok: true, value: (await execute(command)) ?? null };
    } catch (error) {
      reply =
        error instanceof AppError
          ? { id, ok: false, status: error.status, code: error.code, message: error.message, details: error.details }
          : { id, ok: false, code: 'node_command_failed', message: (error as Error).message };
      if (!(error instanceof AppError))
        busLog.error({ err: error, commandId: id, from, kind: command.kind }, 'a node command failed');
    }
    await push(k.nodeReplies(from), reply);
  }

  async function read(
    state: { stopping: boolean; reader?: RedisClient },
    execute: (command: NodeCommand) => Promise<unknown>,
  ): Promise<void> {
    while (!state.stopping) {
      try {
        state.reader ??= await deps.connect();
        const popped = await state.reader.blPop([inbox, replies], BLOCK_SECONDS);
        if (!popped) continue;
        if (popped.key === replies) {
          const reply = ReplySchema.safeParse(JSON.parse(popped.element));
          if (reply.success) received(reply.data);
          else busLog.error({ problem: z.prettifyError(reply.error) }, 'dropped a malformed node reply');
        } else {
          // Not awaited: a slow command (an ARI step) must not hold up the replies and commands behind it.
          void carryOut(popped.element, execute).catch((error: unknown) =>
            busLog.error({ err: error }, 'could not reply to a node command'),
          );
        }
      } catch (error) {
        if (state.stopping) return;
        busLog.warn({ err: error }, 'reading node commands failed; trying again');
        await sleep(RETRY_MS);
      }
    }
  }

  return {
    instanceId,

    async send(target, command, { timeoutMs = NODE_COMMAND_TIMEOUT_MS } = {}) {
      if (!running)
        throw new AppError(
          503,
          'media_node_down',
          `media node ${target} cannot be asked: this instance does not take replies yet`,
        );
      if ((await redis.exists(k.mediaNode(target))) === 0) {
        throw new AppError(
          503,
          'media_node_down',
          `media node ${target} (its Asterisk or its app instance) cannot be reached right now`,
        );
      }
      const id = randomUUID();
      const reply = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          pending.delete(id);
          reject(
            new AppError(503, 'media_node_timeout', `media node ${target} did not answer within ${timeoutMs / 1000} s`),
          );
        }, timeoutMs);
      });
      try {
        await push(k.nodeCommands(target), { id, from: instanceId, sentAt: Date.now(), ttlMs: timeoutMs, command });
        return await Promise.race([reply, timeout]);
      } finally {
        clearTimeout(timer);
        pending.delete(id);
      }
    },

    async othersUp() {
      const nodes = (await redis.zRange(k.mediaNodes(), 0, -1)).filter((other) => other !== node);
      return (
        nodes.length > 0 && (await redis.mGet(nodes.map((other) => k.mediaNode(other)))).some((beat) => beat !== null)
      );
    },

    start(execute) {
      if (running) return;
      const state: { stopping: boolean; reader?: RedisClient } = { stopping: false };
      running = Object.assign(state, { done: read(state, execute) });
    },

    async stop() {
      if (!running) return;
      const state = running;
      running = undefined;
      state.stopping = true;
      // Ends a BLPOP under way at once.
      if (state.reader?.isOpen) state.reader.destroy();
      await state.done;
      for (const { reject } of pending.values())
        reject(new AppError(503, 'media_node_timeout', 'this instance is stopping'));
      pending.clear();
    },
  };
}
