import type { CallRecord, OverflowCause } from '../../calls/call-record.js';
import { OVERFLOW_CAUSES } from '../../calls/call-record.js';
import { parseCallRecord } from '../../calls/call-records.js';
import type { QueuePolicyStore } from '../../admin/queue-policies.js';
import type { OverflowTarget, QueuePolicy } from '../../config/region-schema.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { hashReply, runScript } from '../../store/scripts.js';
import type { EnqueueInput } from '../call-queue.js';

/** What became of a call at a policy check: it stays, moved to another queue, or ended for a message / call-back offer. */
export interface OverflowDecision {
  callId: string;
  action: 'stay' | OverflowTarget['kind'];
  cause?: OverflowCause;
  /** In the (new) queue; 0 when the call ended. */
  position: number;
}

/** Extra record fields an arrival writes (call-record.ts): only these names reach the scripts. */
export type ArrivalFields = Partial<Pick<CallRecord, 'extension' | 'reasonDetail'>>;

/** How many recent calls the expected wait is computed from, and how old they may be. */
const EXPECTED_WAIT_SAMPLE = 20;
const EXPECTED_WAIT_WINDOW_MS = 60 * 60 * 1000;

/**
 * The municipalities' queue policies (admin/queue-policies.ts: as stored by IT staff, else as in
 * config/region.yaml) applied in Redis: each decision is one run of store/lua/overflow-apply.lua,
 * which checks the limit and moves or ends the call in the same step, so an operator never takes
 * a call that is being overflowed. Policies are read at each decision, so a change applies at once.
 */
export function createQueuePolicies(redis: RedisClient, k: Keys, stored: Pick<QueuePolicyStore, 'get'>, municipalityIds: readonly string[]) {
  const targetArgs = (target: OverflowTarget | undefined) => [target?.kind ?? '', target?.kind === 'queue' ? target.municipality : ''];
  const fieldArgs = (fields: ArrivalFields) => Object.entries(fields).flatMap(([name, value]) => (value === undefined ? [] : [name, String(value)]));

  return {
    async policyOf(municipalityId: string): Promise<QueuePolicy> {
      const policy = (await stored.get(municipalityId))?.doc;
      if (!policy) throw new Error(`no municipality ${municipalityId} in the region config`);
      return policy;
    },

    /**
     * Right after a call was enqueued: writes the arrival's record fields, then applies the
     * no-operator and maximum-length limits (store/lua/overflow-apply.lua, mode admit).
     */
    async admit(callId: string, municipalityId: string, fields: ArrivalFields = {}): Promise<OverflowDecision> {
      const { maxLength, noOperator } = await this.policyOf(municipalityId);
      const reply = await runScript(
        redis.overflowApply(
          [k.call(callId), k.operators()],
          [k.prefix, 'admit', callId, maxLength ? String(maxLength.calls) : '', ...targetArgs(maxLength?.overflow), ...targetArgs(noOperator), ...fieldArgs(fields)],
        ),
        { callId },
      );
      const [decision] = decisions(reply);
      if (!decision) throw new Error(`overflow admit of ${callId} returned no decision`);
      return decision;
    },

    /** Ends a call whose call-back offer was not taken (outcome overflowed); 'stay' when it no longer waits. */
    async endOffer(callId: string): Promise<OverflowDecision> {
      const [decision] = decisions(await redis.overflowApply([k.call(callId), k.operators()], [k.prefix, 'end', callId]));
      if (!decision) throw new Error(`overflow end of ${callId} returned no decision`);
      return decision;
    },

    /** Every call waiting longer than its municipality's maximum wait goes to that limit's target. */
    async sweep(): Promise<OverflowDecision[]> {
      const done: OverflowDecision[] = [];
      for (const municipalityId of municipalityIds) {
        const { maxWait } = await this.policyOf(municipalityId);
        if (!maxWait) continue;
        const reply = await redis.overflowApply(
          [k.queue(municipalityId), k.operators()],
          [k.prefix, 'sweep', String(maxWait.seconds * 1000), ...targetArgs(maxWait.overflow)],
        );
        done.push(...decisions(reply));
      }
      return done;
    },

    /** Records a call that arrived while its municipality was closed: ended at once, outcome closed. */
    async recordClosed(input: EnqueueInput, fields: ArrivalFields = {}): Promise<CallRecord> {
      const reply = await redis.overflowClosed(
        [k.call(input.callId), k.callsByTime(), k.callsByMunicipality(input.municipalityId)],
        [k.prefix, input.callId, input.channelId, input.municipalityId, input.calledNumber, input.caller, input.reason, ...fieldArgs(fields)],
      );
      return parseCallRecord(hashReply(reply));
    },

    /**
     * The expected wait in a municipality's queue: the mean wait of its calls answered in the
     * last hour (at most the latest 20). Undefined without such calls: nothing is promised then.
     */
    async expectedWaitMs(municipalityId: string, nowMs: number): Promise<number | undefined> {
      const ids = await redis.zRange(k.callsByMunicipality(municipalityId), '+inf', nowMs - EXPECTED_WAIT_WINDOW_MS, {
        BY: 'SCORE',
        REV: true,
        LIMIT: { offset: 0, count: EXPECTED_WAIT_SAMPLE * 3 },
      });
      // One round trip for all candidates: this runs for every waiting caller at each announcement.
      const pipeline = redis.multi();
      for (const id of ids) pipeline.hmGet(k.call(id), ['outcome', 'waitMs']);
      const read = ids.length === 0 ? [] : ((await pipeline.execAsPipeline()) as unknown as (string | null)[][]);
      const waits = read
        .flatMap(([outcome, waitMs]) => (outcome === 'answered' && waitMs ? [Number(waitMs)] : []))
        .slice(0, EXPECTED_WAIT_SAMPLE);
      return waits.length === 0 ? undefined : waits.reduce((sum, w) => sum + w, 0) / waits.length;
    },
  };
}

export type QueuePolicies = ReturnType<typeof createQueuePolicies>;

function decisions(reply: unknown): OverflowDecision[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected overflow reply ${JSON.stringify(reply)}`);
  return reply.map((row: unknown) => {
    const [callId, action, cause, position] = row as [string, OverflowDecision['action'], string, number];
    return { callId, action, position: Number(position), ...((OVERFLOW_CAUSES as readonly string[]).includes(cause) ? { cause: cause as OverflowCause } : {}) };
  });
}
