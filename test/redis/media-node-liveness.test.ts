import { describe, expect, it } from 'vitest';
import { createCallbackStore } from '../../src/calls/callbacks/callback-store.js';
import { beatFor, sweepLostNodes } from '../../src/media/nodes/node-liveness.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { computeFigures } from '../../src/statistics/compute.js';
import { testDialling } from '../support/dialling.js';
import { BJURHOLM, caller, sleep, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

/** Short enough for a test: a node that has not beaten for this long has lost its calls. */
const DEAD_MS = 1_000;

/**
 * Media-node liveness in Redis (store/lua/media-node-*.lua, claim-1.lua, list-waiting-1.lua): a node
 * beats while its instance has its Asterisk; a caller on a node that does not beat is never
 * offered; one on a node silent for the dead time is never listed and is ended once, as
 * media-node-lost.
 */
function setup() {
  const queue = createCallQueue(ctx.redis, ctx.k, mediaIds, { mediaNodeDeadSeconds: DEAD_MS / 1000 });
  const operators = createOperatorStore(ctx.redis, ctx.k);
  const beat = (node: string, ttlMs = 60_000) => beatFor(ctx.redis, ctx.k, { node, instanceId: `${node}/test`, ttlMs });
  const arrive = (callId: string, mediaNode: string) =>
    queue.enqueue(caller(callId, BJURHOLM), { fields: { mediaNode } });
  const login = (id: string) =>
    operators.login(id, { name: id, phone: `sip:${id}@phones.example`, municipalities: [BJURHOLM] });
  const waiting = async () => (await queue.listWaiting(BJURHOLM)).map((w) => w.record.callId);
  const sweep = () => sweepLostNodes(ctx.redis, ctx.k, { deadMs: DEAD_MS, wrapUpMs: 0 });
  return { queue, operators, beat, arrive, login, waiting, sweep };
}

describe('media nodes that stop beating', () => {
  it('never offers a caller whose node does not beat: the next caller on a beating node is taken, the other keeps its place', async () => {
    const { queue, beat, arrive, login } = setup();
    await beat('node-1');
    await beat('node-2', 50);
    await arrive('on-2', 'node-2');
    await arrive('on-1', 'node-1');
    await sleep(80); // node-2's heartbeat has run out
    await login('op');

    expect((await queue.claimNext('op'))?.callId).toBe('on-1');
    expect((await queue.get('on-2'))?.state).toBe('waiting');
    await queue.requeue('on-1', 'on-1-op1');
    // Picked from the list, the silent node's caller is refused with a 503 that says why; nothing changes.
    await expect(queue.claimCall('op', 'on-2')).rejects.toMatchObject({ status: 503, code: 'media_node_down' });
    expect(await queue.get('on-2')).toMatchObject({ state: 'waiting', attempts: 0 });

    // Beating again, its caller is first in line as before.
    await beat('node-2');
    expect((await queue.claimNext('op'))?.callId).toBe('on-2');
  });

  it('offers an operator whose phone lives on one node (a browser phone) only the callers held there; the others keep their place for the rest', async () => {
    const { queue, operators, beat, arrive, login } = setup();
    await beat('node-1');
    await beat('node-2');
    await arrive('first-on-2', 'node-2');
    await arrive('then-on-1', 'node-1');
    await operators.login('browser-op', {
      name: 'browser-op',
      phone: 'browser:rv-sp-0123456789abcdef',
      municipalities: [BJURHOLM],
      phoneNode: 'node-1',
    });
    await login('desk-op');

    expect((await queue.claimNext('browser-op'))?.callId).toBe('then-on-1');
    expect((await queue.get('first-on-2'))?.state).toBe('waiting');
    await queue.requeue('then-on-1', 'then-on-1-op1');
    // Picked from the list, the other node's caller is refused with a 409 that says why; nothing changes.
    await expect(queue.claimCall('browser-op', 'first-on-2')).rejects.toMatchObject({
      status: 409,
      code: 'phone_not_on_node',
    });
    expect(await queue.get('first-on-2')).toMatchObject({ state: 'waiting', attempts: 0 });
    // A desk phone can be rung from any node: the longest-waiting caller is theirs.
    expect((await queue.claimNext('desk-op'))?.callId).toBe('first-on-2');
    // Logged in again with a desk phone, the operator is offered callers of every node.
    await operators.login('browser-op', {
      name: 'browser-op',
      phone: 'sip:op@phones.example',
      municipalities: [BJURHOLM],
    });
    await arrive('later-on-2', 'node-2');
    expect((await queue.claimNext('browser-op'))?.callId).toBe('then-on-1');
    expect(await ctx.redis.hGet(ctx.k.operator('browser-op'), 'phoneNode')).toBeNull();
  });

  it('lists a silent node’s callers until the dead time, then ends them once as media-node-lost, leaving other nodes’ calls alone', async () => {
    const { queue, beat, arrive, login, waiting, sweep } = setup();
    await beat('alive');
    await beat('dying');
    await arrive('ghost-waiting', 'dying');
    await arrive('ghost-ringing', 'dying');
    await arrive('ghost-talking', 'dying');
    await arrive('real', 'alive');
    await login('ringing-op');
    await login('talking-op');
    // Offered and answered while the node still beat.
    expect((await queue.claimCall('ringing-op', 'ghost-ringing')).state).toBe('connecting');
    await queue.claimCall('talking-op', 'ghost-talking');
    await queue.markAnswered('ghost-talking', 'ghost-talking-op1');
    // Its last beat, then silence (its instance lost its Asterisk).
    await beat('dying');
    await ctx.redis.del(ctx.k.mediaNode('dying'));

    // Silent, not dead yet: still listed (its instance may be restarting), not ended.
    expect(await waiting()).toEqual(['ghost-waiting', 'real']);
    expect(await sweep()).toEqual([]);

    await sleep(DEAD_MS);
    await beat('alive');
    // Dead: not listed even before the sweep has run.
    expect(await waiting()).toEqual(['real']);
    const swept = await sweep();
    expect(swept.map((s) => s.callId).sort()).toEqual(['ghost-ringing', 'ghost-talking', 'ghost-waiting']);
    expect(swept.every((s) => s.what === 'ended' && s.node === 'dying')).toBe(true);
    expect(await queue.get('ghost-waiting')).toMatchObject({ state: 'ended', outcome: 'media-node-lost' });
    expect(await queue.get('ghost-ringing')).toMatchObject({ state: 'ended', outcome: 'media-node-lost' });
    // Answered before the node died: it was answered, its talk cut short.
    expect(await queue.get('ghost-talking')).toMatchObject({ state: 'ended', outcome: 'answered' });
    expect(await ctx.redis.sMembers(ctx.k.activeCalls())).toEqual(['real']);
    for (const id of ['ringing-op', 'talking-op'])
      expect((await createOperatorStore(ctx.redis, ctx.k).get(id))?.state).toBe('available');

    // Once: a second sweep (another instance's) finds nothing more.
    expect(await sweep()).toEqual([]);
    const ended = ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? []).filter(
      (e) => e.message.type === 'call.ended',
    );
    expect(ended.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          callId: 'ghost-waiting',
          outcome: 'media-node-lost',
          mediaNode: 'dying',
          cause: 'media-node-lost',
        }),
      ]),
    );
    expect(ended).toHaveLength(3);
    expect(await waiting()).toEqual(['real']);
  });

  it('judges a node heard of only through a call by that call’s arrival, and a node that beats again afresh', async () => {
    const { queue, beat, arrive, sweep } = setup();
    await arrive('never-beat', 'unknown-node');
    expect(await sweep()).toEqual([]);
    await sleep(DEAD_MS + 50);
    expect((await sweep()).map((s) => s.callId)).toEqual(['never-beat']);

    // The node comes back, takes a call, and falls silent again: that call is judged too.
    await beat('unknown-node', 50);
    await arrive('second-life', 'unknown-node');
    await sleep(DEAD_MS + 100);
    expect((await sweep()).map((s) => s.callId)).toEqual(['second-life']);
    expect(await queue.get('second-life')).toMatchObject({ outcome: 'media-node-lost' });
  });

  it('puts a call-back its operator was taking on a lost node back in its place, and offers waiting call-backs whatever their last node', async () => {
    const { queue, beat, arrive, login, sweep } = setup();
    const callbacks = createCallbackStore(ctx.redis, ctx.k, testDialling(ctx).guard, mediaIds);
    await beat('taker', 50);
    await arrive('asked', 'taker');
    const { callback } = await callbacks.book({ callId: 'asked' });
    await login('op');
    const taken = await queue.claimNext('op', { mediaNode: 'taker' });
    expect(taken).toMatchObject({ callId: callback.callId, mediaNode: 'taker', state: 'connecting' });

    await sleep(DEAD_MS + 100);
    expect(await sweep()).toEqual([{ callId: callback.callId, what: 'requeued', node: 'taker' }]);
    const back = await queue.get(callback.callId);
    expect(back).toMatchObject({ state: 'waiting', place: callback.place });
    expect(back).not.toHaveProperty('mediaNode');
    expect((await createOperatorStore(ctx.redis, ctx.k).get('op'))?.state).toBe('available');

    // Another instance takes it: its own node from now on.
    expect(await queue.claimNext('op', { mediaNode: 'other' })).toMatchObject({
      callId: callback.callId,
      mediaNode: 'other',
    });
  });

  it('ends a call never answered whose caller went with a restarted Asterisk as media-node-lost, and counts it apart in the statistics', async () => {
    const { queue, arrive } = setup();
    await arrive('lost', 'node-1');
    await arrive('left', 'node-1');
    expect(await queue.finish('lost', { mediaNodeLost: true })).toMatchObject({ outcome: 'media-node-lost' });
    expect(await queue.finish('left')).toMatchObject({ outcome: 'abandoned' });
    const figures = computeFigures([(await queue.get('lost'))!, (await queue.get('left'))!], {
      serviceLevelSeconds: () => 30,
    });
    expect(figures).toMatchObject({
      offered: 2,
      abandoned: 1,
      answered: 0,
      mediaNodeLost: 1,
      otherOutcomes: { 'media-node-lost': 1 },
    });
  });
});
