/**
 * The names of a call's media objects in Asterisk (bridges, legs, playbacks) and the Stasis
 * arguments of the legs the switchboard dials, in one place. Every name is made from the call id (the caller's channel
 * id): a restarted process finds a call's bridges and legs again without having kept anything
 * in memory (media/reconcile/), and a leg's events go to the part that dialled it.
 *
 * Some names are made by Lua scripts, which must agree with the parsers here:
 * store/lua/_shared.lua (an offer's operator leg "<callId>-op<attempt>"),
 * store/lua/control-operator-action-1.lua (a transfer's target leg "<callId>-xfer<n>"),
 * store/lua/callback-book-6.lua (a call-back "<callId>-cb", its citizen's leg "<callId>-cb-dial").
 */
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
  /** A prompt nobody needs to find again: `unique` tells it from the channel's others. */
  promptPlayback: (channelId: string, unique: string) => `${channelId}-pb-${unique}`,
};

/** The call an operator leg belongs to ("<callId>-op<n>"). */
export function callIdOfOperatorChannel(channelId: string): string | undefined {
  return /^(.+)-op\d+$/.exec(channelId)?.[1];
}

/** The call a transfer's target leg belongs to ("<callId>-xfer<n>"). */
export function callIdOfTransferLeg(channelId: string): string | undefined {
  return /^(.+)-xfer\d+$/.exec(channelId)?.[1];
}

/** The call-back a citizen's leg belongs to ("<callbackId>-dial", the call-back's id being "<callId>-cb"). */
export function callbackIdOfDialLeg(channelId: string): string | undefined {
  return /^(.+-cb)-dial$/.exec(channelId)?.[1];
}

/** The direct-dial call an extension's leg belongs to ("<callId>-ext<n>"). */
export function callIdOfExtensionLeg(channelId: string): string | undefined {
  return /^(.+)-ext\d+$/.exec(channelId)?.[1];
}

/** The call a leg the switchboard dialled for a queued call belongs to (an operator's, a transfer target's, a call-back citizen's); undefined for other channels. */
export const callIdOfLeg = (channelId: string): string | undefined =>
  callIdOfOperatorChannel(channelId) ?? callIdOfTransferLeg(channelId) ?? callbackIdOfDialLeg(channelId);

/** A call-back's id is "<callId>-cb"; a caller's call id is their channel's. */
export const isCallbackId = (callId: string): boolean => callId.endsWith('-cb');

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
