import type { CallRecord, TransferMode, TransferTargetKind } from '../../calls/call-record.js';
import { parseCallRecord } from '../../calls/call-records.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { hashReply, runScript } from '../../store/scripts.js';
import { mediaIds } from '../media-ids.js';

export type OperatorAction =
  | { action: 'hold' | 'unhold' | 'complete' | 'cancel' | 'park' }
  | { action: 'transfer'; mode: TransferMode; targetKind: TransferTargetKind; target: string };

/** What the media side must do after a control leg answered (store/lua/control-leg-answered-1.lua). */
export type LegAnswered = { what: 'bridge' | 'consult' | 'callback'; call: CallRecord };
/** ... or ended (store/lua/control-leg-ended-1.lua). */
export type LegEnded = { what: 'recall-operator' | 'recall-queue' | 'back' | 'end'; call: CallRecord };

/**
 * The Redis side of call control: each change one Lua script (store/lua/control-*.lua), so an
 * operator's action, a leg's answer and a leg's end never interleave half-way.
 */
export function createControlStore(redis: RedisClient, k: Keys) {
  const { prefix } = k;

  function whatAndCall<W extends string>(reply: unknown): { what: W; call: CallRecord } | null {
    if (reply === null) return null;
    if (!Array.isArray(reply) || typeof reply[0] !== 'string')
      throw new Error(`unexpected call control reply ${JSON.stringify(reply)}`);
    return { what: reply[0] as W, call: parseCallRecord(hashReply(reply[1])) };
  }

  return {
    /**
     * The operator's action on their answered call. Returns the call after it and the operator
     * leg the operator left the call on ('' when they stay), which the caller hangs up.
     */
    async act(
      callId: string,
      operatorId: string,
      action: OperatorAction,
    ): Promise<{ call: CallRecord; releasedLeg: string }> {
      const transfer =
        action.action === 'transfer'
          ? [action.mode, action.targetKind, action.target, mediaIds.transferLegPrefix(callId)]
          : [];
      const reply = await runScript(
        redis.controlOperatorAction([k.call(callId)], [prefix, callId, operatorId, action.action, ...transfer]),
        { callId, operatorId },
      );
      const [hash, releasedLeg] = reply as [unknown, string];
      return { call: parseCallRecord(hashReply(hash)), releasedLeg };
    },

    async legAnswered(callId: string, legId: string): Promise<LegAnswered | null> {
      return whatAndCall(await redis.controlLegAnswered([k.call(callId)], [prefix, callId, legId]));
    },

    async legEnded(callId: string, legId: string): Promise<LegEnded | null> {
      return whatAndCall(
        await redis.controlLegEnded([k.call(callId)], [prefix, callId, legId, mediaIds.operatorLegSuffix]),
      );
    },

    /** The operator takes a parked call: it is offered to them (connecting) like a claimed one. */
    async retrieve(callId: string, operatorId: string): Promise<CallRecord> {
      const reply = await runScript(
        redis.controlRetrieve(
          [k.call(callId), k.operator(operatorId)],
          [prefix, callId, operatorId, mediaIds.operatorLegSuffix],
        ),
        { callId, operatorId },
      );
      return parseCallRecord(hashReply(reply));
    },

    /** A municipality's parked calls, longest parked first, with how long each has been parked (Redis clock). */
    async listParked(municipalityId: string): Promise<{ call: CallRecord; parkedMs: number }[]> {
      const reply = await redis.controlParkList([k.park(municipalityId)], [prefix]);
      if (!Array.isArray(reply) || typeof reply[0] !== 'number')
        throw new Error(`unexpected park list reply ${JSON.stringify(reply)}`);
      const [now, ...hashes] = reply as [number, ...unknown[]];
      return hashes.map((hash) => {
        const call = parseCallRecord(hashReply(hash));
        return { call, parkedMs: now - (call.parkedAt ?? now) };
      });
    },
  };
}

export type ControlStore = ReturnType<typeof createControlStore>;
