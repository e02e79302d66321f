import { z } from 'zod';
import { DEFAULT_CALL_RECORD_RETENTION_DAYS, MIN_CALL_RECORD_RETENTION_DAYS } from '../calls/call-retention.js';
import { DEFAULT_MESSAGE_RETENTION_DAYS } from '../calls/messages/message-retention.js';
import { BlockList, isIP } from 'node:net';
import type { SmtpSettings } from '../calls/messages/message-mail.js';
import { type SmsGatewaySettings, smsBodyTemplateProblem } from '../calls/messages/message-sms.js';
import { DEFAULT_MEDIA_NODE_DEAD_SECONDS } from '../media/nodes/node-liveness.js';
import { DEFAULT_SPOKEN_TEXT_CACHE_DIR } from '../media/spoken-text/spoken-texts.js';
import { DEFAULT_SET_UP_TIMEOUT_MS } from '../media/arrival/call-set-up.js';
import { DEFAULT_CAPACITY } from '../media/arrival/capacity.js';
import { parsePhoneNumber } from '../numbers/phone-number.js';
import { ConfigError, describeIssues } from './load-region.js';

const HOST_PORT = /^[\w.-]+(:\d{1,5})?$/;

/** A comma-separated list (empty or unset: none), each item checked by `item`. */
function list(item: z.ZodType<string, string>) {
  return z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    )
    .pipe(z.array(item));
}

/** A phone number as written, stored E.164. */
const PHONE_NUMBER = z.string().transform((raw, ctx) => {
  const parsed = parsePhoneNumber(raw);
  if (parsed.ok) return parsed.e164;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

/** Optional, an empty value meaning unset (docker-compose.yml passes SMTP_*= when they are not given). */
const unsetWhenEmpty = <T extends z.ZodType<string, string>>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const ADDRESS = z.union([z.ipv4(), z.cidrv4(), z.ipv6(), z.cidrv6()], {
  error: 'must be an IP address or a CIDR network',
});

/** Where plain http may carry SMS: loopback and private networks (RFC 1918, RFC 4193), i.e. a gateway or relay inside. */
const PRIVATE_NETWORKS = new BlockList();
for (const [network, prefix] of [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  PRIVATE_NETWORKS.addSubnet(network, prefix, 'ipv4');
PRIVATE_NETWORKS.addAddress('::1', 'ipv6');
PRIVATE_NETWORKS.addSubnet('fc00::', 7, 'ipv6');

/**
 * The SMS gateway's URL: https, or http only to an IP address on loopback or a private network.
 * Plain http across the internet would show the Authorization secret, the numbers and the texts
 * to every hop; a host name under http could resolve anywhere, so only an address is taken.
 */
const SMS_GATEWAY_URL = z.url({ protocol: /^https?$/, error: 'must be an https:// URL' }).refine((raw) => {
  // Not a URL at all: z.url has said so already.
  if (!URL.canParse(raw)) return true;
  const url = new URL(raw);
  if (url.protocol === 'https:') return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  return family !== 0 && PRIVATE_NETWORKS.check(host, family === 4 ? 'ipv4' : 'ipv6');
}, 'must be https://, or http:// only to an IP address on loopback or a private network (10/8, 172.16/12, 192.168/16, fc00::/7)');

/**
 * Settings from the environment. Redis and ARI are either both given (a real deployment) or
 * left out, in which case `vaxel start` runs the local lab and fills them in.
 */
const envSchema = z
  .object({
    REGION_CONFIG: z.string().default('config/region.yaml'),
    HTTP_HOST: z.string().default('127.0.0.1'),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    // Empty is unset (docker-compose.yml passes REDIS_URL= for its `ha` profile).
    REDIS_URL: z
      .union([z.literal(''), z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })])
      .optional()
      .transform((url) => url || undefined),
    /** Redis through Sentinel instead of REDIS_URL: the sentinels (host:port, comma-separated; three or more). */
    REDIS_SENTINELS: list(z.string().regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')),
    /** The name the sentinels monitor the master under. */
    REDIS_SENTINEL_MASTER: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, ., - and _ only')
      .default('regionvaxel'),
    /** Replicas that must have a state change before it is answered (WAIT; store/replica-ack.ts): 1 under Sentinel, 0 otherwise. */
    REDIS_ACK_REPLICAS: z.coerce.number().int().min(0).max(5).optional(),
    REDIS_PREFIX: z
      .string()
      .regex(/^[\w-]+$/, 'letters, digits, - and _ only')
      .default('rv'),
    ARI_URL: z
      .url({
        protocol: /^https?$/,
        error: "must be the http(s):// URL of Asterisk's HTTP server, e.g. http://asterisk:8088",
      })
      .optional(),
    ARI_USERNAME: z.string().min(1).optional(),
    ARI_PASSWORD: z.string().min(1).optional(),
    ARI_APP: z
      .string()
      .regex(/^[\w-]+$/, 'letters, digits, - and _ only')
      .default('regionvaxel'),
    MEDIA_NODE_ID: z
      .string()
      .regex(/^[\w.:-]{1,100}$/, 'letters, digits and . : - _ only')
      .optional(),
    /** After SIGTERM the instance takes no new calls and exits once its calls have ended, or after this long (drain.ts). */
    DRAIN_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
    /** A media node silent this long (no heartbeat from its instance) has lost its calls: they end as media-node-lost. */
    MEDIA_NODE_DEAD_SECONDS: z.coerce.number().int().min(5).max(3600).default(DEFAULT_MEDIA_NODE_DEAD_SECONDS),
    /** The pjsip endpoint Asterisk dials operators' phones through (dialplans/pjsip.conf). */
    OPERATOR_ENDPOINT: z.string().default('operator-phones'),
    /** How long an operator's phone may ring before the call goes back to its place in the queue. */
    OPERATOR_RING_SECONDS: z.coerce.number().int().min(5).max(120).default(20),
    /** A blind transfer not answered within this comes back to its operator (or the queue). */
    TRANSFER_RECALL_SECONDS: z.coerce.number().int().min(5).max(300).default(20),
    /** host[:port] of the carrier's SIP side: external transfers and call-backs are dialled there through the `carrier` endpoint. */
    CARRIER_SIP_HOST: z.string().regex(HOST_PORT, 'must be host or host:port').optional(),
    /** How long audit entries are kept (days). */
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(730),
    /** How long ended call records (callers' numbers) are kept (days): 13 months by default, at least a month for the cost split. */
    CALL_RECORD_RETENTION_DAYS: z.coerce
      .number()
      .int()
      .min(MIN_CALL_RECORD_RETENTION_DAYS)
      .max(3650)
      .default(DEFAULT_CALL_RECORD_RETENTION_DAYS),
    /** How long messages for absent people (callers' names, numbers, what they said) are kept (days), handled or not. */
    MESSAGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(DEFAULT_MESSAGE_RETENTION_DAYS),
    /** Realm of the extensions' SIP digests. Every stored HA1 includes it: changing it means setting every password again. */
    SIP_REALM: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, ., - and _ only')
      .default('regionvaxel'),
    /** drachtio-server's control port (all three or none): the SIP edge (src/sip-edge/) runs only when given. */
    DRACHTIO_HOST: z.string().min(1).optional(),
    DRACHTIO_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    DRACHTIO_SECRET: z.string().min(1).optional(),
    /** Addresses or networks (CIDR) the carrier's trunk sends from, comma-separated: only these may call in unauthenticated. */
    SIP_TRUNK_SOURCES: list(ADDRESS),
    /** Networks (CIDR) phones register from, comma-separated; anything else is refused before digest authentication. */
    SIP_PHONE_NETWORKS: list(ADDRESS),
    /**
     * Networks (CIDR) the operators' desk phones are on, comma-separated: an operator phone given
     * as sip:user@<IP address> must be in one, so that no login makes Asterisk dial out to an
     * address elsewhere (a SIP address at the carrier is a free outbound call). None by default:
     * operators then give an extension of the region as their phone (operators/operator-phone.ts).
     */
    OPERATOR_PHONE_NETWORKS: list(ADDRESS),
    /** When true, phones' REGISTER and INVITE (112 aside) are refused (403) unless they came over SIP TLS (drachtio's 5061). */
    SIP_PHONES_REQUIRE_TLS: z.stringbool({ error: 'must be true or false' }).default(false),
    /** Asterisk media nodes (host:port of their SIP side), comma-separated; switchboard calls are spread over the healthy ones. */
    SIP_MEDIA_NODES: list(z.string().regex(HOST_PORT, 'must be host or host:port')),
    /** Numbers rung (through the trunk, all at once) when no media node is healthy or Redis is unreachable: the switchboard keeps answering. */
    SIP_FALLBACK_NUMBERS: list(PHONE_NUMBER),
    /**
     * The app's address as Asterisk reaches it: Asterisk fetches spoken texts from
     * <this>/media/spoken/<sha256>.wav (media/spoken-text/). Unset: where the API listens once
     * it does (switchboard.ts), a wildcard host as loopback (Asterisk on the same host, as in docker-compose.yml).
     */
    SPOKEN_TEXT_BASE_URL: z
      .url({
        protocol: /^https?$/,
        error: 'must be the http(s):// URL Asterisk reaches this app at, e.g. http://10.0.0.5:8080',
      })
      // ARI takes several media as one comma-separated list.
      .refine((url) => !url.includes(','), 'must not contain a comma')
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** Where spoken texts are kept as WAV (a cache: Redis has the texts); private to this user. */
    SPOKEN_TEXT_CACHE_DIR: z
      .string()
      .startsWith('/', 'must be an absolute path')
      .default(DEFAULT_SPOKEN_TEXT_CACHE_DIR),
    /** Callers this media node sets up at once; more are refused (busy) before the answer (media/arrival/capacity.ts). */
    MAX_CALLS_SETTING_UP: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_CAPACITY.settingUp),
    /** Callers this media node holds at once (waiting, in a menu, talking); more are refused (busy) before the answer. */
    MAX_CALLS_HELD: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_CAPACITY.held),
    /** How long a caller's set-up may take before it fails: the caller hears the overload prompt (media/arrival/call-set-up.ts). */
    CALL_SETUP_TIMEOUT_MS: z.coerce.number().int().min(200).max(30_000).default(DEFAULT_SET_UP_TIMEOUT_MS),
    /**
     * SHA-256 (hex) of the token Prometheus scrapes GET /metrics with: only the hash is configured,
     * as API tokens are stored. Unset: /metrics takes only API tokens that may read metrics.
     */
    // Empty is unset (docker-compose.yml passes METRICS_TOKEN_SHA256= when it is not given).
    METRICS_TOKEN_SHA256: z
      .union([
        z.literal(''),
        z.string().regex(/^[0-9a-fA-F]{64}$/, {
          error: 'must be the SHA-256 of the scrape token, 64 hex digits (printf %s "$TOKEN" | sha256sum)',
        }),
      ])
      .optional()
      .transform((hash) => hash?.toLowerCase() || undefined),
    /** The WebSocket (wss:// deployed) browser phones register on; by default Asterisk's HTTP server at ARI_URL's host, /ws. */
    SOFTPHONE_WS_URL: unsetWhenEmpty(z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' })),
    /** The DTLS certificate with its key, as a path Asterisk reads (media/softphone/). */
    SOFTPHONE_DTLS_CERT_FILE: unsetWhenEmpty(z.string().startsWith('/', 'must be an absolute path')),
    /** The mail server messages for absent people are sent through (calls/messages/message-delivery.ts). Unset or empty: no e-mail, messages wait in the console. */
    SMTP_HOST: z
      .string()
      .regex(/^[\w.-]*$/, 'must be a host name or IP address')
      .optional()
      .transform((host) => host || undefined),
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
    /** implicit: TLS from the first byte (port 465); starttls: STARTTLS required, refused without it; none: plain (a lab only). */
    SMTP_TLS: z
      .enum(['implicit', 'starttls', 'none'], { error: 'must be implicit, starttls or none' })
      .default('starttls'),
    /** The SMTP login (both or neither); the password is never logged. */
    SMTP_USER: unsetWhenEmpty(z.string()),
    SMTP_PASSWORD: unsetWhenEmpty(z.string()),
    /** The sender of the mails, e.g. "Växeln <vaxeln@kommun.se>" or vaxeln@kommun.se; needed when SMTP_HOST is set. */
    SMTP_FROM: unsetWhenEmpty(
      z
        .string()
        .refine(
          (from) => z.email().safeParse(/<([^>]*)>\s*$/.exec(from)?.[1] ?? from.trim()).success,
          'must be an e-mail address, optionally as "Name <address>"',
        ),
    ),
    /** The HTTP SMS gateway messages are also sent through, to the entry's mobile (calls/messages/message-sms.ts). Unset or empty: no SMS. */
    SMS_GATEWAY_URL: unsetWhenEmpty(SMS_GATEWAY_URL),
    /** The JSON body POSTed to the gateway, with {{to}} (E.164), {{text}} and optionally {{from}} inside its strings. */
    SMS_GATEWAY_BODY: unsetWhenEmpty(
      z.string().superRefine((template, ctx) => {
        const problem = smsBodyTemplateProblem(template);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ),
    /** The Authorization header sent to the gateway ("Bearer …", "Basic …"): a secret, never logged nor shown in an error. */
    SMS_GATEWAY_AUTHORIZATION: unsetWhenEmpty(
      z.string().refine((value) => !/[\r\n]/.test(value), 'must be one line (a header value)'),
    ),
    /** The sender shown on the phone: an alphanumeric sender id, 1 to 11 letters (a-z), digits or spaces, e.g. "Vaxeln". */
    SMS_FROM: unsetWhenEmpty(
      z
        .string()
        .regex(/^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/, 'must be 1 to 11 letters a-z, digits or spaces, with a letter'),
    ),
  })
  .superRefine((env, ctx) => {
    const ari = [env.ARI_URL, env.ARI_USERNAME, env.ARI_PASSWORD];
    if (ari.some((v) => v !== undefined) && ari.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ARI_URL'],
        message: 'ARI_URL, ARI_USERNAME and ARI_PASSWORD go together: give all three or none (none starts the lab)',
      });
    }
    if (env.REDIS_URL !== undefined && env.REDIS_SENTINELS.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINELS'],
        message: 'give REDIS_URL (one Redis) or REDIS_SENTINELS (Redis through Sentinel), not both',
      });
    }
    const drachtio = [env.DRACHTIO_HOST, env.DRACHTIO_PORT, env.DRACHTIO_SECRET];
    if (drachtio.some((v) => v !== undefined) && drachtio.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DRACHTIO_HOST'],
        message:
          'DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET go together: give all three or none (none runs no SIP edge)',
      });
    }
    if ((env.SMTP_USER === undefined) !== (env.SMTP_PASSWORD === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_USER'],
        message: 'SMTP_USER and SMTP_PASSWORD go together: give both or neither',
      });
    }
    if (env.SMTP_HOST !== undefined && env.SMTP_FROM === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_FROM'],
        message: 'is needed when SMTP_HOST is set: the address messages are sent from',
      });
    }
    if (env.SMS_GATEWAY_URL !== undefined && env.SMS_GATEWAY_BODY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMS_GATEWAY_BODY'],
        message: 'is needed when SMS_GATEWAY_URL is set: the JSON body with {{to}} and {{text}}',
      });
    }
    if (env.SMS_GATEWAY_BODY?.includes('{{from}}') && env.SMS_FROM === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SMS_FROM'], message: 'is needed when SMS_GATEWAY_BODY has {{from}}' });
    }
  });

export type Env = z.output<typeof envSchema>;

/** The SMTP settings of message delivery, or undefined when SMTP_HOST is not set (no e-mail). */
export function smtpSettings(env: Env): SmtpSettings | undefined {
  if (env.SMTP_HOST === undefined) return undefined;
  return {
    host: env.SMTP_HOST,
    port: env.SMTP_PORT,
    tls: env.SMTP_TLS,
    auth: env.SMTP_USER === undefined ? undefined : { user: env.SMTP_USER, password: env.SMTP_PASSWORD! },
    from: env.SMTP_FROM!,
  };
}

/** The SMS gateway of message delivery, or undefined when SMS_GATEWAY_URL is not set (no SMS). */
export function smsGatewaySettings(env: Env): SmsGatewaySettings | undefined {
  if (env.SMS_GATEWAY_URL === undefined) return undefined;
  return {
    url: env.SMS_GATEWAY_URL,
    bodyTemplate: env.SMS_GATEWAY_BODY!,
    authorization: env.SMS_GATEWAY_AUTHORIZATION,
    from: env.SMS_FROM,
  };
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) throw new ConfigError('the environment', describeIssues(result.error.issues));
  return result.data;
}
