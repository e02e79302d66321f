import type { Client } from 'ari-client';
import type { CallRecord } from '../calls/call-record.js';
import { formatForDisplay } from '../numbers/phone-number.js';
import { AppError } from '../errors.js';
import { isBrowserPhoneOf } from '../operators/browser-phone.js';
import type { OperatorPhones } from '../operators/operator-phone.js';
import { ariRequest } from './call-media.js';
import { OPERATOR_LEG_ARG, legAppArgs } from './media-ids.js';

export interface OperatorLegSettings {
  app: string;
  /** pjsip endpoint that dials operator phones by SIP URI (dialplans/pjsip.conf). */
  endpoint: string;
  ringSeconds: number;
  /** The media node this instance rings from (AriSettings.mediaNode). */
  mediaNode: string;
  /** Checks the operator's phone again and finds where to ring it (operators/operator-phone.ts). */
  phones: Pick<OperatorPhones, 'dialString'>;
}

/** The settings as configured: the operator phone networks, from which services.ts makes `phones`. */
export type OperatorLegConfig = Omit<OperatorLegSettings, 'phones'> & { phoneNetworks: readonly string[] };

/**
 * Rings the operator's phone for a claimed call, if it may still be rung (a 409 AppError if not:
 * the caller puts the call back in its place). The leg enters the Stasis app only when
 * answered (then call-flow bridges it); if it is not answered its ChannelDestroyed puts the
 * call back in the queue. The phone's display shows which municipality was called and by whom.
 */
export async function ringOperator(
  client: Client,
  settings: OperatorLegSettings,
  leg: { call: CallRecord; operatorChannelId: string; phone: string; municipalityName: string },
): Promise<void> {
  const { call, operatorChannelId, phone, municipalityName } = leg;
  const endpoint = await settings.phones.dialString(phone, settings.endpoint);
  await ariRequest(
    'ring operator',
    client.channels.originate({
      endpoint,
      app: settings.app,
      appArgs: legAppArgs(OPERATOR_LEG_ARG, call.callId),
      channelId: operatorChannelId,
      callerId: `"${municipalityName}: ${formatForDisplay(call.caller)}" <${call.caller}>`,
      timeout: settings.ringSeconds,
    }),
  ).catch((error: unknown) => {
    // A browser phone without a registration (its WebSocket closed) has no contact to dial.
    if (isBrowserPhoneOf(phone) && error instanceof Error && /Allocation failed/.test(error.message))
      throw new AppError(
        409,
        'phone_not_registered',
        'The console’s phone is not registered right now (see Webbtelefon): the call is back in its place',
      );
    throw error;
  });
}
