import type { Client } from 'ari-client';
import { ariRequest, unlessGone } from '../call-media.js';
import { mediaIds } from '../media-ids.js';

/**
 * Moving a caller between their call's two bridges (media/media-ids.ts names them): the
 * holding bridge, where they hear music on their own channel, and the talk bridge, where
 * whoever they talk to (operator, transfer target, citizen called back) is. Every step
 * tolerates what is already done, so a repeated or interrupted move can simply be run again.
 */

export function hangUp(client: Client, channelId: string | undefined, what: string): Promise<void> {
  if (!channelId) return Promise.resolve();
  return unlessGone(what, client.channels.hangup({ channelId, reason: 'normal' }));
}

/** Creates a bridge unless it is there already (Asterisk refuses a second one with the same id). */
async function ensureBridge(client: Client, type: 'mixing' | 'holding', bridgeId: string): Promise<string> {
  try {
    await ariRequest(`create ${type} bridge`, client.bridges.createWithId({ type, bridgeId, name: bridgeId }));
  } catch (error) {
    if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
  }
  return bridgeId;
}

/** The call's talk bridge, created if it is not there. */
function ensureTalkBridge(client: Client, callId: string): Promise<string> {
  return ensureBridge(client, 'mixing', mediaIds.talkBridge(callId));
}

/** Legs that answered (the operator's, a transfer target's, a call-back's citizen) into the call's talk bridge. */
export async function joinTalk(client: Client, callId: string, channels: string[]): Promise<void> {
  const bridgeId = await ensureTalkBridge(client, callId);
  await ariRequest('join talk bridge', client.bridges.addChannel({ bridgeId, channel: channels }));
}

export function destroyTalkBridge(client: Client, callId: string): Promise<void> {
  return unlessGone('destroy talk bridge', client.bridges.destroy({ bridgeId: mediaIds.talkBridge(callId) }));
}

/** Caller out of the talk bridge into holding, with music; whoever stays in the talk bridge hears nothing of them. */
export async function moveToHold(client: Client, callId: string): Promise<void> {
  await unlessGone(
    'take caller out of talk',
    client.bridges.removeChannel({ bridgeId: mediaIds.talkBridge(callId), channel: callId }),
  );
  const holdBridge = await ensureBridge(client, 'holding', mediaIds.holdBridge(callId));
  await ariRequest(
    'add caller to holding bridge',
    client.bridges.addChannel({ bridgeId: holdBridge, channel: callId }),
  );
  await ariRequest('start music on hold', client.channels.startMoh({ channelId: callId, mohClass: 'default' }));
}

/** Caller out of holding (music off) into the talk bridge, joined by `others` (legs that answered). */
export async function moveToTalk(client: Client, callId: string, others: string[] = []): Promise<void> {
  await unlessGone('stop music on hold', client.channels.stopMoh({ channelId: callId }));
  await unlessGone(
    'take caller out of holding',
    client.bridges.removeChannel({ bridgeId: mediaIds.holdBridge(callId), channel: callId }),
  );
  await unlessGone('destroy holding bridge', client.bridges.destroy({ bridgeId: mediaIds.holdBridge(callId) }));
  await joinTalk(client, callId, [callId, ...others]);
}
