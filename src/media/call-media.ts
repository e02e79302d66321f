import type { Client } from 'ari-client';
import type { CallRecord } from '../calls/call-record.js';
import { mediaIds } from './media-ids.js';
import { probes } from '../metrics/probes.js';

/** Bounds an ARI request: ari-client has no timeouts, and a stuck request must not stall a call. */
export async function ariRequest<T>(what: string, request: Promise<T>, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`ARI ${what} got no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const started = performance.now();
  let result: 'ok' | 'error' | 'timeout' = 'error';
  try {
    const answer = await Promise.race([request, timeout]);
    result = 'ok';
    return answer;
  } catch (error) {
    if (timedOut) result = 'timeout';
    throw error;
  } finally {
    clearTimeout(timer);
    probes.ariRequest(what, (performance.now() - started) / 1000, result);
  }
}

/** True for ARI's "it is not there (any more)" answers, which tear-down treats as done. */
export function isGone(error: unknown): boolean {
  // "Channel not in this bridge": taking out of a bridge one who is not in it is done already.
  return error instanceof Error && /not found|not in stasis|not in this bridge|404|422/i.test(error.message);
}

/** Whether a channel (a caller, a leg) is still in Asterisk. */
export async function channelExists(client: Client, channelId: string): Promise<boolean> {
  try {
    await ariRequest('look a channel up', client.channels.get({ channelId }));
    return true;
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
}

/** Runs an ARI request whose "it is not there" answer means the work is done already (tear-down, a repeated move). */
export async function unlessGone(what: string, request: Promise<unknown>): Promise<void> {
  try {
    await ariRequest(what, request);
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/**
 * Answers the caller and puts them in the call's own holding bridge hearing music: two round
 * trips (answer and bridge at once, then the caller into it), each within `timeoutMs` of
 * `started` when given (the set-up's deadline). The music is the holding bridge's own: joined as
 * `holding_participant` (ARI's default role there plays nothing), the caller hears music on
 * their own channel whenever nothing is announced into the bridge, and it resumes by itself
 * after an announcement (bridge_holding's idle mode), so no startMoh is needed; it stops when the
 * caller leaves the bridge. docs/decisions.md, "Call set-up under load".
 */
export async function holdCaller(
  client: Client,
  callId: string,
  { started = Date.now(), timeoutMs = 5_000 }: { started?: number; timeoutMs?: number } = {},
): Promise<void> {
  const left = () => Math.max(1, started + timeoutMs - Date.now());
  const bridgeId = mediaIds.holdBridge(callId);
  await Promise.all([
    ariRequest('answer', client.channels.answer({ channelId: callId }), left()),
    ariRequest('create holding bridge', client.bridges.create({ type: 'holding', bridgeId, name: bridgeId }), left()),
  ]);
  await ariRequest(
    'add caller to holding bridge',
    client.bridges.addChannel({ bridgeId, channel: callId, role: HOLDING_PARTICIPANT }),
    left(),
  );
}

/** The role in a holding bridge whose idle mode is music on hold (Asterisk's bridge_holding.c). */
export const HOLDING_PARTICIPANT = 'holding_participant';

/** Takes away a call's holding bridge (if any), e.g. before its set-up is run again. */
export function releaseHoldBridge(client: Client, callId: string): Promise<void> {
  return unlessGone('destroy holding bridge', client.bridges.destroy({ bridgeId: mediaIds.holdBridge(callId) }));
}

/** Ends every media part of a call that still exists: both legs and both bridges. */
export async function releaseCall(
  client: Client,
  call: Pick<CallRecord, 'callId' | 'operatorChannelId' | 'answeredAt'>,
): Promise<void> {
  const { callId, operatorChannelId } = call;
  await Promise.all([
    unlessGone('hang up caller', client.channels.hangup({ channelId: callId, reason: 'normal' })),
    operatorChannelId &&
      unlessGone('hang up operator leg', client.channels.hangup({ channelId: operatorChannelId, reason: 'normal' })),
    releaseHoldBridge(client, callId),
    // A talk bridge exists only once an operator answered: not asked for otherwise (every call's end is a request less for Asterisk).
    call.answeredAt !== undefined &&
      unlessGone('destroy talk bridge', client.bridges.destroy({ bridgeId: mediaIds.talkBridge(callId) })),
  ]);
}
