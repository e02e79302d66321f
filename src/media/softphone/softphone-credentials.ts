import { randomBytes } from 'node:crypto';
import { z } from '../../validation/schema.js';

/**
 * The SIP user of an operator's browser phone (the console's softphone): a pjsip endpoint, aor
 * and auth of one random name, with a random password, that the app creates in its Asterisk's
 * memory (ARI dynamic configuration, dialplans/sorcery.conf) for one operator token and deletes
 * at logout or expiry. The page keeps the password in memory only; it is never stored or logged
 * here either (Asterisk holds it).
 */

/** How long a browser phone's credentials last; the console asks again when they run out or are refused. */
export const SOFTPHONE_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** Endpoint names: a fixed prefix (recognisable in `pjsip show endpoints`) and 96 random bits. */
const NAME = /^rv-sp-[0-9a-f]{24}$/;

export const SoftphoneNameSchema = z.string().regex(NAME, 'is not the name of a browser phone');

export const newSoftphoneName = (): string => `rv-sp-${randomBytes(12).toString('hex')}`;
export const newSoftphonePassword = (): string => randomBytes(24).toString('base64url');

/** What POST /api/v1/operator/softphone gives the console. */
export const SoftphoneCredentialsSchema = z
  .object({
    wsUrl: z.url().openapi({ example: 'wss://vaxel.example.se/ws', description: 'Asterisk’s SIP WebSocket' }),
    sipUri: z.string().openapi({ example: 'sip:rv-sp-0123456789abcdef01234567@vaxel.example.se' }),
    username: SoftphoneNameSchema,
    password: z.string().openapi({ description: 'Random; kept in the page’s memory only, never stored' }),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .openapi('SoftphoneCredentials');
export type SoftphoneCredentials = z.infer<typeof SoftphoneCredentialsSchema>;

/** The browser phone kept for an operator in Redis: no password. */
export const SoftphoneRecordSchema = z.object({
  endpoint: SoftphoneNameSchema,
  mediaNode: z.string().min(1),
  expiresAt: z.number().int().positive(),
});
export type SoftphoneRecord = z.infer<typeof SoftphoneRecordSchema>;

/**
 * Where Asterisk finds the certificate (with its key) it does DTLS-SRTP with towards browser
 * phones, as a path inside its root: the lab makes a self-signed one there at provisioning
 * (lab/dtls-certificate.ts); deployed, SOFTPHONE_DTLS_CERT_FILE may name another.
 */
export const DEFAULT_DTLS_CERT_FILE = '/etc/regionvaxel/dtls.pem';

/** The context browser phones' calls would start in: it hangs every call up (dialplans/extensions.conf). */
const SOFTPHONE_CONTEXT = 'operator-phones';

export interface SoftphoneSettings {
  /** The WebSocket the browser registers on (SOFTPHONE_WS_URL; the lab: Asterisk's HTTP server, /ws). */
  wsUrl: string;
  /** Path, as Asterisk sees it, of the DTLS certificate with its key (DEFAULT_DTLS_CERT_FILE). */
  dtlsCertFile: string;
}

/**
 * The three pjsip objects of one browser phone, in the order they must exist (the endpoint names
 * its aor and auth), as ARI's dynamic configuration takes them. `webrtc = yes` is DTLS-SRTP,
 * ICE, AVPF and rtcp-mux; one contact, a new registration replacing the old (a reloaded page).
 */
export function softphoneObjects(name: string, password: string, settings: SoftphoneSettings) {
  return [
    { objectType: 'auth', fields: { auth_type: 'userpass', username: name, password } },
    { objectType: 'aor', fields: { max_contacts: '1', remove_existing: 'yes' } },
    {
      objectType: 'endpoint',
      fields: {
        webrtc: 'yes',
        dtls_cert_file: settings.dtlsCertFile,
        identify_by: 'username',
        context: SOFTPHONE_CONTEXT,
        disallow: 'all',
        allow: 'opus,ulaw,alaw',
        aors: name,
        auth: name,
        // Media goes through Asterisk: it bridges, holds and transfers the operator's leg.
        direct_media: 'no',
        // The contact is where the REGISTER came from, i.e. that WebSocket connection: after a
        // reconnection the new connection's contact replaces the old one, which leads nowhere.
        rewrite_contact: 'yes',
        rtp_symmetric: 'yes',
      },
    },
  ] as const;
}

/** The SIP URI of a browser phone: its name at the WebSocket's host. */
export function softphoneSipUri(name: string, wsUrl: string): string {
  return `sip:${name}@${new URL(wsUrl).hostname}`;
}

/** Until when a browser phone issued at `now` lasts. */
export const softphoneExpiry = (now: number): number => now + SOFTPHONE_LIFETIME_MS;
