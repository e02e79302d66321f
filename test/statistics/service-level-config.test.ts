import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseRegionConfig } from '../../src/config/load-region.js';
import { createCallStatistics } from '../../src/statistics/call-statistics.js';
import { computeFigures } from '../../src/statistics/compute.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS, ended } from './support.js';

const ctx = useRedis();

/** config/region.yaml with Umeå's serviceLevelSeconds set as written. */
async function regionWithUmea(serviceLevelSeconds: string) {
  const text = await readFile('config/region.yaml', 'utf8');
  return parseRegionConfig(
    text.replace('    name: Umeå\n', `    name: Umeå\n    serviceLevelSeconds: ${serviceLevelSeconds}\n`),
    'region.yaml',
  );
}

describe('serviceLevelSeconds in config/region.yaml', () => {
  it('is 30 s unless a municipality sets its own, and a municipality’s figures use its own', async () => {
    const statistics = createCallStatistics(ctx.redis, ctx.k, await regionWithUmea('20'));
    expect(statistics.serviceLevelSeconds(UMEA)).toBe(20);
    expect(statistics.serviceLevelSeconds(VANNAS)).toBe(30);

    const call = ended('answered', { waitS: 25, talkS: 10, municipalityId: UMEA });
    await ctx.redis.hSet(
      ctx.k.call(call.callId),
      Object.fromEntries(Object.entries(call).map(([field, value]) => [field, String(value)])),
    );
    await ctx.redis.zAdd(ctx.k.callsByMunicipality(UMEA), { score: call.enqueuedAt, value: call.callId });
    const calls = await statistics.endedCalls({
      municipalityId: UMEA,
      fromMs: call.enqueuedAt,
      toMs: call.enqueuedAt + 1,
    });
    expect(calls).toEqual([call]);
    expect(computeFigures(calls, statistics.figureOptions(UMEA)).answeredWithinServiceLevel).toBe(0);
    expect(computeFigures(calls, statistics.figureOptions(VANNAS)).answeredWithinServiceLevel).toBe(1);
  });

  it.each(['0', '2.5', '"thirty"'])('refuses %s, naming the field', async (value) => {
    const problems = await regionWithUmea(value).then(
      () => [],
      (error: unknown) => (error instanceof ConfigError ? error.problems : [String(error)]),
    );
    expect(problems).toEqual([expect.stringMatching(/^municipalities\[3\]\.serviceLevelSeconds: /)]);
  });
});
