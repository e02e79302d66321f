import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createNodeCommandBus, type NodeCommand, type NodeCommandBus } from '../../src/media/nodes/node-commands.js';
import { beatFor } from '../../src/media/nodes/node-liveness.js';
import { sleep, useRedis } from '../support/redis.js';

const ctx = useRedis();

/**
 * The command channel between app instances (media/nodes/node-commands.ts), on a real Redis: an
 * instance asks the one that has another media node, and gets its answer or its refusal back.
 */
const buses: NodeCommandBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});

function bus(node: string, execute?: (command: NodeCommand) => Promise<unknown>) {
  const created = createNodeCommandBus({ redis: ctx.redis, k: ctx.k, node, connect: () => ctx.connect() });
  created.start(execute ?? (async () => undefined));
  buses.push(created);
  return created;
}

const ring: NodeCommand = {
  kind: 'ring',
  callId: 'c1',
  operatorChannelId: 'c1-op1',
  phone: 'sip:op@10.0.0.1',
  municipalityName: 'Vännäs',
};

describe('commands between the instances of media nodes', () => {
  it('runs a command on the node’s instance and gives its answer back, a refusal with its status and code', async () => {
    const seen: NodeCommand[] = [];
    bus('node-b', async (command) => {
      seen.push(command);
      if (command.kind === 'control') throw new AppError(409, 'call_control_conflict', 'not now');
      return 'ringing';
    });
    const asker = bus('node-a');
    await beatFor(ctx.redis, ctx.k, { node: 'node-b', instanceId: 'node-b/x' });

    expect(await asker.send('node-b', ring)).toBe('ringing');
    expect(seen).toEqual([ring]);
    await expect(
      asker.send('node-b', { kind: 'control', control: { method: 'park', callId: 'c1', operatorId: 'op' } }),
    ).rejects.toMatchObject({
      status: 409,
      code: 'call_control_conflict',
      message: 'not now',
    });
    expect(await asker.othersUp()).toBe(true);
  });

  it('refuses at once for a node that does not beat, and gives up on one whose instance does not answer', async () => {
    const asker = bus('node-a');
    await expect(asker.send('node-gone', ring)).rejects.toMatchObject({ status: 503, code: 'media_node_down' });
    expect(await asker.othersUp()).toBe(false);

    // Beats, but no instance reads its commands: the asker gives up after its timeout...
    await beatFor(ctx.redis, ctx.k, { node: 'node-silent', instanceId: 'node-silent/x' });
    const started = Date.now();
    await expect(asker.send('node-silent', ring, { timeoutMs: 300 })).rejects.toMatchObject({
      status: 503,
      code: 'media_node_timeout',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    // ...and an instance that starts reading later drops the stale command instead of doing it.
    await sleep(2_500);
    const late: NodeCommand[] = [];
    bus('node-silent', async (command) => late.push(command));
    await sleep(1_500);
    expect(late).toEqual([]);
  });
});
