import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createVersionedStore } from '../../src/admin/versioned-store.js';
import { z } from '../../src/validation/schema.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS, setupActor } from './support.js';

const ctx = useRedis();

/** The smallest kind of object: a name unique in the region, and a secret. */
const widgets = () =>
  createVersionedStore(ctx.redis, ctx.k, createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }), {
    type: 'widget',
    schema: z.object({ name: z.string().regex(/^\w+$/), municipalityId: z.string() }).strict(),
    toDraft: ({ secret, ...doc }: { name: string; municipalityId: string; secret?: string }) => ({ doc, secret }),
    sortKey: (doc) => doc.name,
    label: (doc) => `widget ${doc.name} of ${doc.municipalityId}`,
    claims: (doc) => [{ claim: `widget-name:${doc.name}`, field: 'name' }],
  });

describe('the versioned store', () => {
  it('holds a claimed value once in the whole region, whichever municipality asks (409 naming the holder)', async () => {
    const store = widgets();
    await store.create({ name: 'pump', municipalityId: VANNAS }, setupActor);
    await expect(store.create({ name: 'pump', municipalityId: UMEA }, setupActor)).rejects.toMatchObject({
      status: 409,
      code: 'claim_taken',
      message: `body.name: widget name pump is already held by widget pump of ${VANNAS}`,
    });
    expect((await store.list({ limit: 10 })).items.map((i) => i.doc)).toEqual([
      { name: 'pump', municipalityId: VANNAS },
    ]);
  });

  it('keeps a secret beside the object, changed only when a new one is given, and gone with the object', async () => {
    const store = widgets();
    const made = await store.create({ name: 'pump', municipalityId: VANNAS, secret: 's1' }, setupActor);
    expect(await store.secretByClaim('widget-name:pump')).toBe('s1');
    await store.update(made.id, 1, { name: 'valve' }, setupActor);
    expect(await store.secretByClaim('widget-name:valve')).toBe('s1');
    expect(await store.secretByClaim('widget-name:pump')).toBeUndefined();
    await store.update(made.id, 2, { secret: 's2' }, setupActor);
    expect(await store.secretByClaim('widget-name:valve')).toBe('s2');
    expect(JSON.stringify(await store.get(made.id))).not.toContain('s2');
    await store.remove(made.id, 3, setupActor);
    // Only the region's change counter stays (it moves with every change: caches drop on it).
    expect(await ctx.redis.keys(`${ctx.k.prefix}:admin*`)).toEqual([ctx.k.adminVersion()]);
    expect(await ctx.redis.get(ctx.k.adminVersion())).toBe('4');
    expect(await ctx.redis.keys(`${ctx.k.prefix}:claim*`)).toEqual([]);
  });

  it('takes a change that changes nothing as done: no new version, no audit entry', async () => {
    const store = widgets();
    const made = await store.create({ name: 'pump', municipalityId: VANNAS }, setupActor);
    expect(await store.update(made.id, 1, { name: 'pump' }, setupActor)).toEqual(made);
    expect(await ctx.redis.xLen(ctx.k.audit(VANNAS))).toBe(1);
  });

  it('lets exactly one of concurrent changes based on the same version win; the others get 412', async () => {
    const store = widgets();
    const made = await store.create({ name: 'pump', municipalityId: VANNAS }, setupActor);
    // All read version 1 before any writes (the reads are pipelined ahead of the scripts), so the
    // script's own version check is what turns the losers away.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.update(made.id, 1, { name: `valve${i}` }, setupActor)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes.filter((o) => o.status === 'rejected' && (o.reason as { status: number }).status === 412),
    ).toHaveLength(9);
    expect((await store.get(made.id))?.version).toBe(2);
    expect(await ctx.redis.keys(`${ctx.k.prefix}:claim:*`)).toHaveLength(1);
  });
});
