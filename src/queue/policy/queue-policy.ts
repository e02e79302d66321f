import type { CallRecord } from '../../calls/call-record.js';
import type { QueuePolicyStore } from '../../admin/queue-policies.js';
import type { QueuePolicy, RegionConfig } from '../../config/region-schema.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import {
  parseDecisions,
  targetArgs,
  type ArrivalFields,
  type CallQueue,
  type EnqueueInput,
  type OverflowDecision,
} from '../call-queue.js';
import { priorityClassifier } from '../priority.js';

/** How many recent calls the expected wait is computed from, and how old they may be. */
const EXPECTED_WAIT_SAMPLE = 20;
const EXPECTED_WAIT_WINDOW_MS = 60 * 60 * 1000;

/**
 * The municipalities' queue policies (admin/queue-policies.ts: as stored by IT staff, else as in
 * config/region.yaml) applied in Redis: each decision is one script run (store/lua/enqueue-6.lua at
 * arrival, overflow-apply-1.lua after), which checks the limit and moves or ends the call in the
 * same step, so an operator never takes a call that is being overflowed. Policies are read at
 * each decision, so a change applies at once.
 */
export function createQueuePolicies(
  redis: RedisClient,
  k: Keys,
  queue: Pick<CallQueue, 'enqueue' | 'recordEnded'>,
  stored: Pick<QueuePolicyStore, 'get'>,
  region: RegionConfig,
) {
  const municipalityIds = region.municipalities.map((m) => m.id);
  const classify = priorityClassifier(region);

  return {
    async policyOf(municipalityId: string): Promise<QueuePolicy> {
      const policy = (await stored.get(municipalityId))?.doc;
      if (!policy) throw new Error(`no municipality ${municipalityId} in the region config`);
      return policy;
    },

    /**
     * A call arrives in its municipality's queue, in one step (store/lua/enqueue-6.lua) with the
     * arrival's record fields, the policy's priority class for the caller, and admission: no
     * logged-in operator serving it → noOperator, a full queue → maxLength. A call-back is offered
     * only to a caller whose number can be called back (E.164); others get the message instead.
     */
    async enqueue(input: EnqueueInput, fields: ArrivalFields = {}): Promise<OverflowDecision> {
      const { maxLength, noOperator, priorityClasses = [] } = await this.policyOf(input.municipalityId);
      const priority = classify(input.municipalityId, input.caller, priorityClasses);
      return (await queue.enqueue(input, { priority, admission: { maxLength, noOperator }, fields })).decision;
    },

    /** Ends a call whose call-back offer was not taken (outcome overflowed); 'stay' when it no longer waits. */
    async endOffer(callId: string): Promise<OverflowDecision> {
      const [decision] = parseDecisions(await redis.overflowApply([k.call(callId)], [k.prefix, 'end', callId]));
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
          [k.queue(municipalityId)],
          [k.prefix, 'sweep', String(maxWait.seconds * 1000), ...targetArgs(maxWait.overflow)],
        );
        done.push(...parseDecisions(reply));
      }
      return done;
    },

    /** Records a call that arrived while its municipality was closed: ended at once, outcome closed. */
    recordClosed: (input: EnqueueInput, fields: ArrivalFields = {}): Promise<CallRecord> =>
      queue.recordEnded(input, 'closed', fields),

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
