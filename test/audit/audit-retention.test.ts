import { describe, expect, it } from 'vitest';
import { REGION_SCOPE, createAuditLog } from '../../src/audit/audit-log.js';
import { startAuditRetention } from '../../src/audit/audit-retention.js';
import { createTokenStore, localActor } from '../../src/auth/token-store.js';
import { sleep, useRedis } from '../support/redis.js';

const ctx = useRedis();
const DAY_MS = 86_400_000;
const RETENTION_DAYS = 30;

/** The log and its token store on this test's keys, retention 30 days. */
function setup() {
  const audit = createAuditLog(ctx.redis, ctx.k, { retentionDays: RETENTION_DAYS });
  return { audit, tokens: createTokenStore(ctx.redis, ctx.k, audit) };
}

/**
 * An entry in `scope`'s stream written `daysAgo` days ago, as the log writes entries (its id is
 * its time). Written in time order: a stream takes only ids above its last.
 */
async function writtenDaysAgo(
  audit: ReturnType<typeof setup>['audit'],
  scope: string,
  daysAgo: number,
  objectId: string,
): Promise<string> {
  const { key, fields } = audit.entry(localActor('test'), {
    action: 'update',
    object: { type: 'extension', id: objectId },
    ...(scope === REGION_SCOPE ? {} : { municipalityId: scope }),
    after: { daysAgo },
  });
  return ctx.redis.xAdd(key, `${Date.now() - daysAgo * DAY_MS}-0`, fields);
}

const idsIn = async (scope: string) =>
  ((await ctx.redis.xRange(ctx.k.audit(scope), '-', '+')) ?? []).map((e) => e.message.objectId);

describe('audit retention', () => {
  it('hides entries past the retention from queries and trims them exactly from every audit stream, keeping newer ones', async () => {
    const { audit } = setup();
    // A member's stream, the region's, and one of a municipality no longer in the config: none is written to now.
    for (const scope of ['2460', REGION_SCOPE, '9999']) {
      await writtenDaysAgo(audit, scope, 400, `${scope}-oldest`);
      await writtenDaysAgo(audit, scope, RETENTION_DAYS + 1, `${scope}-old`);
      await writtenDaysAgo(audit, scope, RETENTION_DAYS - 1, `${scope}-kept`);
      await writtenDaysAgo(audit, scope, 0, `${scope}-new`);
    }
    // Another stream that is not the audit log is left alone.
    await ctx.redis.xAdd(ctx.k.events(), `${Date.now() - 400 * DAY_MS}-0`, { type: 'call.queued' });

    expect((await audit.query({ scope: '2460', limit: 50 })).map((e) => e.object.id)).toEqual([
      '2460-new',
      '2460-kept',
    ]);
    expect((await audit.query({ scope: '2460', objectId: '2460-old', limit: 50 })).map((e) => e.object.id)).toEqual([]);

    expect(await audit.trim()).toBe(6);
    for (const scope of ['2460', REGION_SCOPE, '9999'])
      expect(await idsIn(scope)).toEqual([`${scope}-kept`, `${scope}-new`]);
    expect(await ctx.redis.xLen(ctx.k.events())).toBe(1);
    expect(await audit.trim()).toBe(0);
  });

  it('runs at start and then periodically, trimming the log and forgetting tokens past their grace period', async () => {
    const { audit, tokens } = setup();
    await writtenDaysAgo(audit, '2460', RETENTION_DAYS + 1, 'old');
    const kept = await tokens.create({ name: 'Valid', role: 'operator' }, localActor('test'));
    const gone = await tokens.create(
      { name: 'Expired long ago', role: 'auditor', expiresInDays: 1 },
      localActor('test'),
    );
    // Its grace period over, Redis drops the record at its TTL.
    const goneKey = ctx.k.token((await ctx.redis.hGet(ctx.k.tokens(), gone.record.id))!);
    await ctx.redis.pExpire(goneKey, 1);
    await sleep(20);

    const retention = startAuditRetention({ audit, tokens }, 100);
    try {
      await expect.poll(() => idsIn('2460')).toEqual([]);
      await expect.poll(() => ctx.redis.hKeys(ctx.k.tokens())).toEqual([kept.record.id]);
      // The token's audit entry stays (the region's stream: an auditor's token is region-wide).
      expect(
        (await audit.query({ scope: REGION_SCOPE, objectId: gone.record.id, limit: 10 })).map((e) => e.action),
      ).toEqual(['create']);

      // Later runs trim what has come (or aged) since; another stream, as a stream takes no id below its last.
      await writtenDaysAgo(audit, '2480', RETENTION_DAYS + 2, 'aged');
      await writtenDaysAgo(audit, '2480', 1, 'fresh');
      await expect.poll(() => idsIn('2480')).toEqual(['fresh']);
    } finally {
      await retention.stop();
    }
  });
});
