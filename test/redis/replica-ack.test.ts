import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../src/lab/redis-server.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { keys } from '../../src/store/keys.js';
import { connectRedisTo, sendCommand } from '../../src/store/redis-client.js';
import { REPLICA_ACK_TIMEOUT_MS } from '../../src/store/replica-ack.js';
import { caller } from '../support/redis.js';
import { eventually } from '../support/lab-switchboard.js';
import { mediaIds } from '../../src/media/media-ids.js';

/**
 * A state change answered only once a replica has it (store/replica-ack.ts), on a real primary
 * and replica: the replica holds every change the caller was told of; without a replica,
 * changes go on unconfirmed (the region keeps answering) and confirm again once it is back.
 */
let primary: RedisServer;
let replica: RedisServer;
beforeAll(async () => {
  primary = await startRedisServer({});
  replica = await startRedisServer({ replicaOf: { host: '127.0.0.1', port: primary.port } });
});
afterAll(async () => {
  await Promise.all([replica?.stop(), primary?.stop()]);
});

it('answers a change once the replica has it, goes on unconfirmed without the replica, and confirms again when it is back', async () => {
  const { client, replicas } = await connectRedisTo({ url: primary.url }, { name: 'ack-test', ackReplicas: 1 });
  const onReplica = await connectRedisTo({ url: replica.url }, { name: 'ack-test-replica', ackReplicas: 0 });
  const k = keys('ack-test');
  const queue = createCallQueue(client, k, mediaIds);
  try {
    await sendCommand(client, ['WAIT', '1', '5000']); // the replica's first sync done
    // Concurrent changes share WAITs; each is on the replica when its caller hears of it.
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await queue.enqueue(caller(`c${i}`, '2460'));
        expect(await onReplica.client.hGet(k.call(`c${i}`), 'state')).toBe('waiting');
      }),
    );
    expect(replicas?.state()).toEqual({ required: 1, confirming: true });

    await replica.kill();
    const started = Date.now();
    await queue.enqueue(caller('unconfirmed', '2460'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(REPLICA_ACK_TIMEOUT_MS - 50);
    expect(replicas?.state().confirming).toBe(false);
    // The next changes do not wait for a replica that is not there.
    const next = Date.now();
    await queue.enqueue(caller('next', '2460'));
    expect(Date.now() - next).toBeLessThan(REPLICA_ACK_TIMEOUT_MS);

    await replica.restart();
    await eventually(async () => (replicas?.state().confirming ? true : undefined), {
      what: 'the replica confirming again',
      timeoutMs: 10_000,
    });
    // Confirming again means the changes made meanwhile are on the replica too.
    for (const id of ['unconfirmed', 'next']) expect(await onReplica.client.hGet(k.call(id), 'state')).toBe('waiting');
    await queue.enqueue(caller('confirmed-again', '2460'));
    expect(await onReplica.client.hGet(k.call('confirmed-again'), 'state')).toBe('waiting');
  } finally {
    replicas?.stop();
    await Promise.all([client.close(), onReplica.client.close()]);
  }
});
