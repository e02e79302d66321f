import type { Channel, Client } from 'ari-client';
import type { CallRecord } from '../calls/call-record.js';

/**
 * The media objects of one call in Asterisk, all named from the call id (which is the
 * caller's channel id). Deterministic names let a restarted process find a call's bridges
 * and operator leg again without having kept anything in memory.
 */
export const mediaIds = {
  holdBridge: (callId: string) => `${callId}-hold`,
  talkBridge: (callId: string) => `${callId}-talk`,
  operatorChannel: (callId: string, attempt: number) => `${callId}-op${attempt}`,
};

/** The call an operator leg belongs to, read back from the leg's channel id. */
export function callIdOfOperatorChannel(channelId: string): string | undefined {
  return /^(.+)-op\d+$/.exec(channelId)?.[1];
}

/** Stasis app arguments that mark an originated channel as an operator's leg of a call. */
export const OPERATOR_LEG_ARG = 'operator-leg';

/** Bounds an ARI request: ari-client has no timeouts, and a stuck request must not stall a call. */
export async function ariRequest<T>(what: string, request: Promise<T>, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ARI ${what} got no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([request, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True for ARI's "it is not there (any more)" answers, which tear-down treats as done. */
export function isGone(error: unknown): boolean {
  return error instanceof Error && /not found|not in stasis|404|422/i.test(error.message);
}

/** Runs an ARI request whose "it is not there" answer means the work is done already (tear-down, a repeated move). */
export async function unlessGone(what: string, request: Promise<unknown>): Promise<void> {
  try {
    await ariRequest(what, request);
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/** Answers the caller and puts them in the call's own holding bridge with music on hold. */
export async function holdCaller(client: Client, callId: string): Promise<void> {
  await ariRequest('answer', client.channels.answer({ channelId: callId }));
  const bridgeId = mediaIds.holdBridge(callId);
  await ariRequest('create holding bridge', client.bridges.create({ type: 'holding', bridgeId, name: bridgeId }));
  await ariRequest('add caller to holding bridge', client.bridges.addChannel({ bridgeId, channel: callId }));
  // Music on the caller's own channel: bridge music would need one more (announcer) channel per call.
  await ariRequest('start music on hold', client.channels.startMoh({ channelId: callId, mohClass: 'default' }));
}

/** Takes away a call's holding bridge (if any), e.g. before its set-up is run again. */
export function releaseHoldBridge(client: Client, callId: string): Promise<void> {
  return unlessGone('destroy holding bridge', client.bridges.destroy({ bridgeId: mediaIds.holdBridge(callId) }));
}

/** Ends every media part of a call that still exists: both legs and both bridges. */
export async function releaseCall(client: Client, call: Pick<CallRecord, 'callId' | 'operatorChannelId'>): Promise<void> {
  const { callId, operatorChannelId } = call;
  await Promise.all([
    unlessGone('hang up caller', client.channels.hangup({ channelId: callId, reason: 'normal' })),
    operatorChannelId && unlessGone('hang up operator leg', client.channels.hangup({ channelId: operatorChannelId, reason: 'normal' })),
    releaseHoldBridge(client, callId),
    unlessGone('destroy talk bridge', client.bridges.destroy({ bridgeId: mediaIds.talkBridge(callId) })),
  ]);
}

/** What Asterisk has, read once per reconcile (media/call-flow.ts): its channels, and each bridge's channels. */
export interface AsteriskView {
  channels: ReadonlyMap<string, Channel>;
  bridges: ReadonlyMap<string, readonly string[]>;
}

export async function readAsterisk(client: Client): Promise<AsteriskView> {
  const [channels, bridges] = await Promise.all([ariRequest('list channels', client.channels.list()), ariRequest('list bridges', client.bridges.list())]);
  return { channels: new Map(channels.map((c) => [c.id, c])), bridges: new Map(bridges.map((b) => [b.id, [b.channels].flat()])) };
}

export const inBridge = (view: AsteriskView, bridgeId: string, channelId: string): boolean => view.bridges.get(bridgeId)?.includes(channelId) ?? false;

/**
 * One change reconcile makes to bring Asterisk (or Redis) in line with the truth: `what` names
 * the kind (a periodic run makes it only when the previous run found the same one), `why` is logged.
 */
export interface Repair {
  what: string;
  why: string;
  run(): Promise<unknown>;
}
