import type { CallRecord } from '../calls/call-record.js';
import { parseCallRecord } from '../calls/call-records.js';
import type { RegionConfig } from '../config/region-schema.js';
import { log } from '../log.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { DEFAULT_SERVICE_LEVEL_SECONDS, type FigureOptions } from './compute.js';

/** Records read per round trip: bounds the replies held at once while still pipelining. */
const BATCH = 500;

export interface CallRange {
  /** One municipality's calls, or every municipality's. */
  municipalityId?: string;
  /** Calls enqueued at or after this (ms). */
  fromMs: number;
  /** Calls enqueued before this (ms). */
  toMs: number;
}

/**
 * What the statistics read: the ended calls of a period from Redis, and each municipality's
 * service-level threshold from config/region.yaml.
 */
export function createCallStatistics(redis: RedisClient, k: Keys, region: RegionConfig) {
  const thresholds = new Map(region.municipalities.map((m) => [m.id, m.serviceLevelSeconds]));
  const serviceLevelSeconds = (municipalityId: string) =>
    thresholds.get(municipalityId) ?? DEFAULT_SERVICE_LEVEL_SECONDS;

  return {
    serviceLevelSeconds,

    /**
     * Whose threshold counts: a municipality's figures use that municipality's for every call
     * (a call that overflowed into another queue still counts for the municipality called);
     * figures across municipalities (an operator's, the region's) use each call's own.
     */
    figureOptions: (municipalityId?: string): FigureOptions => ({
      serviceLevelSeconds:
        municipalityId === undefined ? serviceLevelSeconds : () => serviceLevelSeconds(municipalityId),
    }),

    /**
     * The calls enqueued in [fromMs, toMs) that have ended, oldest first: ids from the
     * enqueuedAt-scored index, then the hashes in pipelined batches. A municipality's calls are
     * those of its index, i.e. the calls that arrived for it, even if the record now names
     * another (overflowed to that one's queue). Calls still waiting, talking or scheduled are
     * left out (their figures are not final). A record that cannot be read is left out and
     * logged, so one damaged hash does not hide a month's statistics.
     */
    async endedCalls({ municipalityId, fromMs, toMs }: CallRange): Promise<CallRecord[]> {
      const index = municipalityId === undefined ? k.callsByTime() : k.callsByMunicipality(municipalityId);
      const ids = await redis.zRangeByScore(index, fromMs, `(${toMs}`);
      const records: CallRecord[] = [];
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        // Issued together, node-redis writes them as one pipeline.
        const hashes = await Promise.all(batch.map((id) => redis.hGetAll(k.call(id))));
        hashes.forEach((hash, j) => {
          if (hash.state !== 'ended') return;
          try {
            const record = parseCallRecord(hash);
            // The index's score is the enqueuedAt of nearly every record, but a call-back is
            // indexed at its booking and keeps its call's enqueuedAt: the range goes by the
            // record, so that the total is always the sum of the periods.
            if (record.enqueuedAt >= fromMs && record.enqueuedAt < toMs) records.push(record);
          } catch (error) {
            log.warn({ callId: batch[j], err: error }, 'call record left out of statistics: it cannot be read');
          }
        });
      }
      return records;
    },
  };
}

export type CallStatistics = ReturnType<typeof createCallStatistics>;
