import type { MunicipalityConfig, RegionConfig } from '../config/region-schema.js';
import { e164Digits } from '../numbers/phone-number.js';
import type { NumberLookup } from '../routing/route-call.js';
import type { RouteTarget } from '../routing/route-target.js';
import { buildRoutingTable } from '../routing/routing-table.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/** A municipality as every app instance reads it from Redis; its numbers and ranges are what the directory's entries are checked against (entries/entry-store.ts). */
export type Municipality = Pick<
  MunicipalityConfig,
  | 'id'
  | 'name'
  | 'greeting'
  | 'callbackGreeting'
  | 'mainNumbers'
  | 'directDialRanges'
  | 'extensionRanges'
  | 'openingHours'
>;

/**
 * The region's directory in Redis: members and what each number routes to. Written from
 * config/region.yaml at start (in one MULTI, so readers never see half a region), read by
 * every instance on every call.
 */
export function createDirectoryStore(redis: RedisClient, k: Keys) {
  return {
    /** Replaces the stored members and numbers with those of `region`, removing what the config no longer has. */
    async syncRegion(region: RegionConfig): Promise<void> {
      const table = buildRoutingTable(region);
      const [oldNumbers, oldMunicipalities] = await Promise.all([
        redis.sMembers(k.routes()),
        redis.sMembers(k.municipalities()),
      ]);
      const tx = redis.multi();
      for (const number of oldNumbers) if (!table.exact.has(number)) tx.del(k.route(number));
      for (const id of oldMunicipalities)
        if (!region.municipalities.some((m) => m.id === id)) tx.del(k.municipality(id));
      tx.del([k.routes(), k.municipalities(), k.didRanges()]);
      for (const [number, target] of table.exact) {
        tx.set(k.route(number), JSON.stringify(target));
        tx.sAdd(k.routes(), number);
      }
      for (const range of table.directDialRanges) {
        tx.zAdd(k.didRanges(), {
          score: e164Digits(range.to),
          value: `${range.from}:${range.to}:${range.municipalityId}`,
        });
      }
      for (const m of region.municipalities) {
        const stored: Municipality = {
          id: m.id,
          name: m.name,
          greeting: m.greeting,
          callbackGreeting: m.callbackGreeting,
          mainNumbers: m.mainNumbers,
          directDialRanges: m.directDialRanges,
          extensionRanges: m.extensionRanges,
          openingHours: m.openingHours,
        };
        tx.set(k.municipality(m.id), JSON.stringify(stored));
        tx.sAdd(k.municipalities(), m.id);
      }
      await tx.exec();
    },

    /** What a called number (E.164) is: an exact number first, else the direct-dial range holding it. */
    findRoute: (async (e164) => {
      const exact = await redis.get(k.route(e164));
      if (exact) return JSON.parse(exact) as RouteTarget;
      const digits = e164Digits(e164);
      // Ranges never overlap, so the first range ending at or after the number is the only candidate.
      const [candidate] = await redis.zRangeByScore(k.didRanges(), digits, '+inf', { LIMIT: { offset: 0, count: 1 } });
      if (!candidate) return undefined;
      const [from, , municipalityId] = candidate.split(':') as [string, string, string];
      return from.length === e164.length && e164Digits(from) <= digits
        ? { kind: 'direct-dial', municipalityId }
        : undefined;
    }) satisfies NumberLookup,

    async getMunicipality(id: string): Promise<Municipality | undefined> {
      const stored = await redis.get(k.municipality(id));
      return stored ? (JSON.parse(stored) as Municipality) : undefined;
    },

    async listMunicipalities(): Promise<Municipality[]> {
      const ids = (await redis.sMembers(k.municipalities())).sort();
      if (ids.length === 0) return [];
      const stored = await redis.mGet(ids.map((id) => k.municipality(id)));
      return stored.filter((s): s is string => s !== null).map((s) => JSON.parse(s) as Municipality);
    },
  };
}

export type DirectoryStore = ReturnType<typeof createDirectoryStore>;
