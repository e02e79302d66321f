/**
 * The names of a call's media objects in Asterisk (bridges, legs, playbacks) and the Stasis
 * arguments of the legs the switchboard dials, in one place. Every name is made from the call id (the caller's channel
 * id): a restarted process finds a call's bridges and legs again without having kept anything
 * in memory (media/reconcile/), and a leg's events go to the part that dialled it.
 *
 * The names a Lua script writes are passed to it from here, and the parsers below read them
 * back: store/ is below media/ and does not import this file, so whoever builds a store gives
 * it `mediaIds` (services.ts) and call control passes them itself. A script appends only the
 * number it alone knows atomically: an offer's attempt (store/lua/_shared.lua offer_call, given
 * `operatorLegSuffix`, as claim-next picks the call in the script) and a transfer's number
 * (store/lua/control-operator-action-1.lua, given `transferLegPrefix`). A call-back's id and
 * its citizen's leg are passed whole (store/lua/callback-book-6.lua).
 */
const OPERATOR_LEG = '-op';
const TRANSFER_LEG = '-xfer';
const CALLBACK = '-cb';
const CALLBACK_DIAL_LEG = '-dial';

export const mediaIds = {
  /** Where the caller waits, hearing music. */
  holdBridge: (callId: string) => `${callId}-hold`,
  /** Where the caller talks with the operator, a transfer's target or a call-back's citizen. */
  talkBridge: (callId: string) => `${callId}-talk`,
  /** The n-th phone of the extension a direct-dial call rings. */
  extensionLeg: (callId: string, n: number) => `${callId}-ext${n}`,
  /** Where a direct-dial caller talks with the extension that answered. */
  directBridge: (callId: string) => `${callId}-direct`,
  /** A prompt played to the caller under a fixed name (greeting, position, closed, overloaded…): a later process can stop it by that name. */
  playback: (callId: string, what: string) => `${callId}-${what}`,
  /** The stored text spoken after the named playback `playbackId`. */
  textPlayback: (playbackId: string) => `${playbackId}-text`,
  /** The caller's voice message as Asterisk records it (a stored recording, fetched and deleted once it ends). */
  voiceMessage: (callId: string) => `${callId}-voice-message`,
  /** A prompt nobody needs to find again: `unique` tells it from the channel's others. */
  promptPlayback: (channelId: string, unique: string) => `${channelId}-pb-${unique}`,
  /** An offer's operator leg is "<callId>-op<attempt>": what Lua puts between the call id and the attempt. */
  operatorLegSuffix: OPERATOR_LEG,
  /** A transfer's target leg is "<callId>-xfer<n>": what Lua puts the transfer's number after. */
  transferLegPrefix: (callId: string) => `${callId}${TRANSFER_LEG}`,
  /** A call-back booked on a call: a call record of its own ("<callId>-cb"). */
  callback: (callId: string) => `${callId}${CALLBACK}`,
  /**
   * The leg dialled out to a call-back's citizen ("<callbackId>-dial"). Not the call-back's id
   * itself: Asterisk refuses a new channel id that is a prefix of a live one (the operator's
   * leg "<callbackId>-op1").
   */
  callbackDialLeg: (callbackId: string) => `${callbackId}${CALLBACK_DIAL_LEG}`,
};

const OPERATOR_LEG_ID = new RegExp(`^(.+)${OPERATOR_LEG}\\d+$`);
const TRANSFER_LEG_ID = new RegExp(`^(.+)${TRANSFER_LEG}\\d+$`);
const CALLBACK_DIAL_LEG_ID = new RegExp(`^(.+${CALLBACK})${CALLBACK_DIAL_LEG}$`);

/** The call an operator leg belongs to ("<callId>-op<n>"). */
export function callIdOfOperatorChannel(channelId: string): string | undefined {
  return OPERATOR_LEG_ID.exec(channelId)?.[1];
}

/** The call a transfer's target leg belongs to ("<callId>-xfer<n>"). */
export function callIdOfTransferLeg(channelId: string): string | undefined {
  return TRANSFER_LEG_ID.exec(channelId)?.[1];
}

/** The call-back a citizen's leg belongs to ("<callbackId>-dial", the call-back's id being "<callId>-cb"). */
export function callbackIdOfDialLeg(channelId: string): string | undefined {
  return CALLBACK_DIAL_LEG_ID.exec(channelId)?.[1];
}

/** The direct-dial call an extension's leg belongs to ("<callId>-ext<n>"). */
export function callIdOfExtensionLeg(channelId: string): string | undefined {
  return /^(.+)-ext\d+$/.exec(channelId)?.[1];
}

/** The call a leg the switchboard dialled for a queued call belongs to (an operator's, a transfer target's, a call-back citizen's); undefined for other channels. */
export const callIdOfLeg = (channelId: string): string | undefined =>
  callIdOfOperatorChannel(channelId) ?? callIdOfTransferLeg(channelId) ?? callbackIdOfDialLeg(channelId);

/** A call-back's id is "<callId>-cb"; a caller's call id is their channel's. */
export const isCallbackId = (callId: string): boolean => callId.endsWith(CALLBACK);

/**
 * The first Stasis argument of a channel the switchboard originates, naming which kind of leg it
 * is; the second is its call's id (`legAppArgs`). A caller's first argument is the number dialled.
 */
export const OPERATOR_LEG_ARG = 'operator-leg';
export const TRANSFER_LEG_ARG = 'transfer-leg';
export const CALLBACK_LEG_ARG = 'callback-leg';
export const EXTENSION_LEG_ARG = 'extension-leg';

/** The Stasis arguments (ARI originate's appArgs) of a leg of `callId`. */
export const legAppArgs = (kind: string, callId: string): string => `${kind},${callId}`;
