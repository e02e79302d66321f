import type { CallControlState, CallRecord } from '../../calls/call-record.js';
import { OVERLOAD_PROMPT } from '../arrival/call-set-up.js';
import { closedPrompts } from '../arrival/caller-prompts.js';
import { callIdOfExtensionLeg, callIdOfLeg, mediaIds } from '../media-ids.js';
import type { AsteriskView, ChannelSeen } from './asterisk-view.js';

/**
 * One repair reconcile makes to bring Asterisk (or Redis, where a leg's end was missed) in line
 * with Redis's calls, as plain data: media/reconcile/run.ts carries it out. `why` is logged.
 */
export type ReconcileAction =
  /** The call ends (call control's endCall): `reason` is what its end is logged with. */
  | { what: 'end'; callId: string; why: string; reason: string; operatorChannelId?: string; mediaNodeLost?: boolean }
  /** The offer's operator leg is gone: back to its place in the queue (a call-back's quietly). */
  | { what: 'requeue'; callId: string; why: string; operatorChannelId: string; callback?: true }
  /** The operator's leg answered unseen: bridged and recorded as answered (a call-back's citizen is then dialled). */
  | { what: 'answer'; callId: string; why: string; operatorChannelId: string; callback?: true }
  /** A transfer's target leg is gone: settled as its ChannelDestroyed would have been (recall, back, end). */
  | { what: 'transfer-leg-gone'; callId: string; why: string; transferLeg: string }
  /** The caller into holding with music; `destroyTalk`: the operator has let go, nobody stays in the talk bridge. */
  | { what: 'to-hold'; callId: string; why: string; destroyTalk: boolean }
  /** Music on hold started again for a caller in holding (after a start or reconnect). */
  | { what: 'music'; callId: string; why: string }
  /** These channels (the caller among them or not) into the talk bridge. */
  | { what: 'to-talk'; callId: string; why: string; missing: string[] }
  /** A leg named from a call that is not the call's now: hung up. */
  | { what: 'stale-leg'; channelId: string; why: string }
  /** A caller still on the line whose call has ended: `prompts`, then the hang-up. */
  | { what: 'release-ended'; callId: string; why: string; prompts: string[]; reason: string }
  /** A caller in our app unknown to the queues: their set-up is run again from the start. */
  | { what: 'arrive'; channelId: string; why: string };

/** An action as found by a run: `key` says which repair on which call or channel, `version` the record it was found on. */
export interface FoundAction {
  key: string;
  version: string;
  action: ReconcileAction;
}

/** What one reconcile knows: Redis's calls, this process's facts about callers in memory, and what Asterisk lists. */
export interface ReconcileInput {
  /** A start or reconnect (false), or the timer while connected (true). */
  periodic: boolean;
  /** The Stasis app callers enter. */
  app: string;
  /** This instance's Asterisk: another node's calls are left alone (their channels are on an Asterisk this one cannot see). */
  mediaNode: string;
  now: number;
  /** The ids of calls not yet ended, read before Asterisk's lists. */
  active: readonly string[];
  /** The records read (null: none): of the active calls, and of the calls `recordsWanted` names. */
  records: ReadonlyMap<string, CallRecord | null>;
  view: AsteriskView;
  /** Callers whose arrival this process runs now, since when (ms). */
  arriving: ReadonlyMap<string, number>;
  /** Callers the arrival let go of alive, not queued (a direct-dial call talking to its extension). */
  settled: ReadonlySet<string>;
  /** What the previous periodic run found, key → version (empty after any other run). */
  suspected: ReadonlyMap<string, string>;
}

export interface ReconcilePlan {
  /** The repairs to make now, in order. */
  due: FoundAction[];
  /** What this run found, for the next one (empty unless periodic). */
  suspected: Map<string, string>;
  /** Waiting callers whose announcements or call-back offer this process takes over (after a start or reconnect). */
  resumeWaiting: string[];
  /** Callers gone without their StasisEnd (the websocket was down): no longer arriving nor settled. */
  forget: string[];
}

/**
 * A periodic reconcile leaves a caller alone while this process runs their arrival (menu,
 * direct dial, closed message), unless it has run this long: then it is stuck (e.g. waiting for
 * the end of a prompt whose event was lost) and the set-up is run again.
 */
export const ARRIVAL_STUCK_MS = 5 * 60_000;

/** Where the caller of an answered call is in holding (music): everything but plain talk and a completed transfer. */
const CALLER_ON_HOLD: ReadonlySet<CallControlState> = new Set([
  'held',
  'transferring',
  'consulting',
  'consulted',
  'parked',
]);
/** While a transfer's target leg is the call's business (it answering or ending changes the call). */
const TRANSFER_UNDER_WAY: ReadonlySet<CallControlState> = new Set([
  'transferring',
  'consulting',
  'consulted',
  'transferred',
]);

const inBridge = (view: AsteriskView, bridgeId: string, channelId: string): boolean =>
  view.bridges.get(bridgeId)?.includes(channelId) ?? false;

/** What a caller whose call ended hears before the hang-up, as media/arrival/ plays it at the time (nothing for other endings). */
function endingPrompts(call: CallRecord): string[] {
  if (call.outcome === 'closed') {
    // The record keeps neither the rule that closed nor the message heard: the plain closed prompts.
    const { otherwise, then } = closedPrompts(undefined);
    return [...otherwise, ...then];
  }
  if (call.outcome === 'callback-booked') return ['overflow-callback-booked'];
  // A set-up that failed and could not hang up (media/arrival/call-set-up.ts): told again, then released.
  if (call.outcome === 'setup-failed') return [OVERLOAD_PROMPT];
  if (call.outcome === 'overflowed')
    return [call.overflow === 'no-operator' ? 'overflow-no-operator' : 'overflow-busy'];
  return [];
}

/**
 * A caller's call that is not ended: its caller or operator leg gone, an offer answered unseen,
 * a transfer's target leg gone; else the caller where Redis says: in holding with music (waiting,
 * ringing an operator, held, parked, a transfer under way) or in the talk bridge with the
 * operator or the transfer's target. `restartMusic` (after a start or reconnect): music again
 * for a caller in holding, whose music may have stopped for a prompt that ended unseen (e.g. the
 * call-back offer): nothing in Asterisk tells whether it plays.
 */
function planCallerCall(call: CallRecord, view: AsteriskView, restartMusic: boolean): ReconcileAction | undefined {
  const { callId, operatorChannelId, control: state, transferLeg } = call;
  const opLeg = operatorChannelId ? view.channels.get(operatorChannelId) : undefined;
  if (!view.channels.has(callId)) {
    // Gone with an Asterisk that has restarted since the call arrived, or hung up while we were away.
    const mediaNodeLost = call.enqueuedAt < view.startedAt;
    return mediaNodeLost
      ? {
          what: 'end',
          callId,
          why: 'the caller went with the Asterisk that ran before this one',
          reason: 'caller lost with a restart of Asterisk',
          mediaNodeLost,
        }
      : { what: 'end', callId, why: 'the caller is gone', reason: 'caller gone while we were away', mediaNodeLost };
  }
  if (call.state === 'connecting' && !opLeg)
    return { what: 'requeue', callId, why: 'the operator leg is gone', operatorChannelId: operatorChannelId ?? '' };
  if (call.state === 'connecting' && opLeg?.state === 'Up')
    return { what: 'answer', callId, why: 'the operator answered unseen', operatorChannelId: opLeg.id };
  if (call.state === 'answered' && operatorChannelId && !opLeg) {
    // (Without operatorChannelId the operator has let go: parked or transferred.)
    return {
      what: 'end',
      callId,
      why: 'the operator leg is gone',
      reason: 'operator gone while we were away',
      operatorChannelId,
    };
  }
  if (
    call.state === 'answered' &&
    transferLeg &&
    state &&
    TRANSFER_UNDER_WAY.has(state) &&
    !view.channels.has(transferLeg)
  ) {
    return { what: 'transfer-leg-gone', callId, why: 'the transfer target leg is gone', transferLeg };
  }
  if (call.state !== 'answered' || (state && CALLER_ON_HOLD.has(state))) {
    if (!inBridge(view, mediaIds.holdBridge(callId), callId)) {
      return {
        what: 'to-hold',
        callId,
        why: `the caller is not in holding, though the call is ${state ?? call.state}`,
        destroyTalk: state === 'parked' || state === 'transferring',
      };
    }
    return restartMusic ? { what: 'music', callId, why: 'music on hold started again' } : undefined;
  }
  const talkBridge = mediaIds.talkBridge(callId);
  const other = state === 'transferred' ? transferLeg : operatorChannelId;
  const missing = [callId, other].filter((id): id is string => id !== undefined && !inBridge(view, talkBridge, id));
  if (missing.length === 0) return undefined;
  return {
    what: 'to-talk',
    callId,
    why: `${missing.join(' and ')} not in the talk bridge, though the call is ${state ?? 'answered'}`,
    missing,
  };
}

/**
 * A call-back (it has no channel until the citizen is dialled): ringing its operator, the
 * operator's leg decides (gone: back to its place; answered: dial out); answered, it ends when
 * its operator or citizen leg is gone (back to its place when the citizen never answered).
 * Waiting and scheduled call-backs have nothing to check.
 */
function planCallback(call: CallRecord, view: AsteriskView): ReconcileAction | undefined {
  const { callId, operatorChannelId = '' } = call;
  const opLeg = view.channels.get(operatorChannelId);
  if (call.state === 'connecting' && !opLeg)
    return { what: 'requeue', callId, why: 'the call-back’s operator leg is gone', operatorChannelId, callback: true };
  if (call.state === 'connecting' && opLeg?.state === 'Up')
    return {
      what: 'answer',
      callId,
      why: 'the call-back’s operator answered unseen',
      operatorChannelId: opLeg.id,
      callback: true,
    };
  if (call.state === 'answered' && (!opLeg || !view.channels.has(call.channelId))) {
    return {
      what: 'end',
      callId,
      why: 'a leg of the call-back is gone',
      reason: 'call-back leg gone while we were away',
    };
  }
  return undefined;
}

/**
 * True when `channelId` is a leg the call has now: the operator leg of its current offer or
 * answer, its transfer's target while the transfer lasts, an answered call-back's citizen.
 * Any other leg named from the call is left over (e.g. the operator's after a park whose hang-up
 * was cut short), since leg names are never reused and a call never takes an old one back.
 */
function isCurrentLeg(channelId: string, call: CallRecord | null): boolean {
  if (!call || call.state === 'ended') return false;
  if (channelId === call.operatorChannelId) return call.state === 'connecting' || call.state === 'answered';
  if (channelId === call.transferLeg)
    return call.state === 'answered' && call.control !== undefined && TRANSFER_UNDER_WAY.has(call.control);
  return call.kind === 'callback' && channelId === call.channelId && call.state === 'answered';
}

/**
 * A leg this switchboard dialled for a call ("<callId>-op<n>", "-xfer<n>", "-cb-dial"; `call`
 * its call's record, null when there is none): one the call no longer has is hung up. E.g. the
 * operator's leg after a park, a blind or a completed transfer when the process stopped between
 * the script and the hang-up: the operator, available in Redis, would otherwise still be bridged
 * with the caller while being offered the next call.
 */
function planLeg(channelId: string, call: CallRecord | null): ReconcileAction | undefined {
  if (isCurrentLeg(channelId, call)) return undefined;
  return {
    what: 'stale-leg',
    channelId,
    why: `leg ${channelId} is no longer the call’s (${call ? `the call is ${call.control ?? call.state}` : 'no such call'})`,
  };
}

/** A caller in our Stasis app whose call is not active: released if it has ended, else (the set-up was cut short) arrived again. */
function planCaller(channelId: string, call: CallRecord | null): ReconcileAction {
  if (call?.state === 'ended') {
    return {
      what: 'release-ended',
      callId: call.callId,
      why: `the call has ended (${call.outcome}) but its caller is still on the line`,
      prompts: endingPrompts(call),
      reason: `its call had ended (${call.outcome}) with the caller still on the line`,
    };
  }
  return { what: 'arrive', channelId, why: 'a caller in our app unknown to the queues' };
}

type ChannelRole = { role: 'leg'; callId: string } | { role: 'caller' };

/** What a channel Asterisk lists is to reconcile: a leg named from a call, a caller of ours not in a queue, or nothing to judge. */
function roleOf(
  channel: ChannelSeen,
  input: Pick<ReconcileInput, 'periodic' | 'app' | 'now' | 'arriving' | 'settled'>,
  activeIds: ReadonlySet<string>,
): ChannelRole | undefined {
  const callOfLeg = callIdOfLeg(channel.id);
  if (callOfLeg !== undefined) return { role: 'leg', callId: callOfLeg };
  const inOurApp = channel.dialplan.app_name === 'Stasis' && channel.dialplan.app_data.split(',')[0] === input.app;
  if (!inOurApp || activeIds.has(channel.id) || callIdOfExtensionLeg(channel.id)) return undefined;
  // After a start or reconnect, as ever: the set-up is run again (events it waited for may be lost).
  if (
    input.periodic &&
    (input.settled.has(channel.id) || input.now - (input.arriving.get(channel.id) ?? 0) < ARRIVAL_STUCK_MS)
  )
    return undefined;
  return { role: 'caller' };
}

/** The calls whose records the plan needs beyond the active ones, in the order Asterisk lists their channels: each leg's call, each unknown caller's. */
export function recordsWanted(input: Omit<ReconcileInput, 'records' | 'suspected'>): string[] {
  const activeIds = new Set(input.active);
  const wanted = new Set<string>();
  for (const channel of input.view.channels.values()) {
    const role = roleOf(channel, input, activeIds);
    if (role) wanted.add(role.role === 'leg' ? role.callId : channel.id);
  }
  return [...wanted].filter((id) => !activeIds.has(id));
}

/**
 * Brings Asterisk (and Redis, where a leg's end was missed) into agreement with Redis's calls.
 * Each call, caller channel and leg named from a call gives at most one repair. A periodic run
 * makes a repair only when the previous run, one period earlier, found the same one on the same
 * unchanged record: a call in the middle of a change (a script has run, its ARI steps are under
 * way, or its record changed since) is never "repaired" half-way; after a start or reconnect
 * every repair is made at once.
 */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const { periodic, view, records } = input;
  const activeIds = new Set(input.active);
  const recordOf = (callId: string) => records.get(callId) ?? null;
  const found: FoundAction[] = [];
  const add = (id: string, call: CallRecord | null, action: ReconcileAction | undefined) => {
    if (action) found.push({ key: `${action.what}:${id}`, version: JSON.stringify(call), action });
  };
  for (const callId of input.active) {
    const call = records.get(callId);
    // Another node's call: its channels are on an Asterisk this instance cannot see.
    if (call?.mediaNode !== undefined && call.mediaNode !== input.mediaNode) continue;
    if (call)
      add(callId, call, call.kind === 'callback' ? planCallback(call, view) : planCallerCall(call, view, !periodic));
  }
  for (const channel of view.channels.values()) {
    const role = roleOf(channel, input, activeIds);
    if (!role) continue;
    const call = recordOf(role.role === 'leg' ? role.callId : channel.id);
    add(channel.id, call, role.role === 'leg' ? planLeg(channel.id, call) : planCaller(channel.id, call));
  }
  const due = periodic ? found.filter(({ key, version }) => input.suspected.get(key) === version) : found;
  // After a start or reconnect: what a waiting caller hears (announcements, a call-back offer) was this process's, or lost with the old one.
  const resumeWaiting = periodic
    ? []
    : [...records]
        .filter(([callId, call]) => call?.state === 'waiting' && call.kind !== 'callback' && view.channels.has(callId))
        .map(([callId]) => callId);
  return {
    due,
    suspected: periodic ? new Map(found.map(({ key, version }) => [key, version])) : new Map(),
    resumeWaiting,
    forget: [...input.arriving.keys(), ...input.settled].filter((id) => !view.channels.has(id)),
  };
}
