import { z } from 'zod';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import {
  CALL_CONTROL_STATES,
  CALL_OUTCOMES,
  CALL_STATES,
  OVERFLOW_CAUSES,
  QUEUE_REASONS,
  TRANSFER_MODES,
  TRANSFER_OUTCOMES,
  TRANSFER_TARGET_KINDS,
  type CallRecord,
} from './call-record.js';

const ms = z.coerce.number().int();

/** The {p}:call:{id} hash as written by the queue scripts: every value a string, optional fields absent. */
const callHashSchema = z.object({
  callId: z.string(),
  channelId: z.string(),
  municipalityId: z.string(),
  calledNumber: z.string(),
  caller: z.string(),
  reason: z.enum(QUEUE_REASONS),
  state: z.enum(CALL_STATES),
  enqueuedAt: ms,
  place: ms,
  answeredAt: ms.optional(),
  answeredBy: z.string().optional(),
  talkSince: ms.optional(),
  endedAt: ms.optional(),
  operatorId: z.string().optional(),
  operatorChannelId: z.string().optional(),
  priorityClass: z.string().optional(),
  priorityBoostSeconds: ms.optional(),
  attempts: ms,
  arrivedAt: ms.optional(),
  extension: z.string().optional(),
  reasonDetail: z.string().optional(),
  mediaNode: z.string().optional(),
  overflow: z.enum(OVERFLOW_CAUSES).optional(),
  overflowFrom: z.string().optional(),
  outcome: z.enum(CALL_OUTCOMES).optional(),
  waitMs: ms.optional(),
  talkMs: ms.optional(),
  control: z.enum(CALL_CONTROL_STATES).optional(),
  transfers: ms.optional(),
  transferLeg: z.string().optional(),
  transferMode: z.enum(TRANSFER_MODES).optional(),
  transferTarget: z.string().optional(),
  transferTargetKind: z.enum(TRANSFER_TARGET_KINDS).optional(),
  transferredBy: z.string().optional(),
  transferOutcome: z.enum(TRANSFER_OUTCOMES).optional(),
  recallFrom: z.string().optional(),
  parkedAt: ms.optional(),
  parkedBy: z.string().optional(),
  kind: z.literal('callback').optional(),
  callbackOf: z.string().optional(),
  callbackId: z.string().optional(),
  windowFrom: ms.optional(),
  windowTo: ms.optional(),
  bookedAt: ms.optional(),
  bookedBy: z.string().optional(),
  bookedByName: z.string().optional(),
  cancelledBy: z.string().optional(),
  dialAnsweredAt: ms.optional(),
  unansweredDials: ms.optional(),
}) satisfies z.ZodType<CallRecord>;

/** The one place where a stored call hash becomes a CallRecord (numbers as numbers). */
export function parseCallRecord(hash: Record<string, string>): CallRecord {
  const parsed = callHashSchema.safeParse(hash);
  if (!parsed.success)
    throw new Error(`call record ${hash.callId ?? '(no id)'} in Redis is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export interface ListRecordsOptions {
  municipalityId?: string;
  limit: number;
  /** Only calls enqueued before this time (ms, exclusive): the enqueuedAt of the last call of the previous page. */
  before?: number;
}

/** Reading call records; every change to them goes through the queue (queue/call-queue.ts). */
export function createCallRecords(redis: RedisClient, k: Keys) {
  async function get(callId: string): Promise<CallRecord | null> {
    const hash = await redis.hGetAll(k.call(callId));
    return Object.keys(hash).length === 0 ? null : parseCallRecord(hash);
  }

  return {
    get,

    /**
     * Calls newest first, of one municipality or all. Paging by `before` skips calls that share
     * the boundary millisecond with the previous page's last call; rare enough for listings.
     */
    async listRecords({ municipalityId, limit, before }: ListRecordsOptions): Promise<CallRecord[]> {
      const index = municipalityId === undefined ? k.callsByTime() : k.callsByMunicipality(municipalityId);
      const ids = await redis.zRange(index, before === undefined ? '+inf' : `(${before}`, '-inf', {
        BY: 'SCORE',
        REV: true,
        LIMIT: { offset: 0, count: limit },
      });
      const records = await Promise.all(ids.map(get));
      return records.filter((record): record is CallRecord => record !== null);
    },

    /** Calls not yet ended, for reconciling with the channels Asterisk still has after a restart. */
    activeCallIds: (): Promise<string[]> => redis.sMembers(k.activeCalls()),
  };
}

export type CallRecords = ReturnType<typeof createCallRecords>;
