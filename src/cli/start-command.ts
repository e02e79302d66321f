import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, describeIssues, loadRegionConfig } from '../config/load-region.js';
import { readEnv, smtpSettings, smsGatewaySettings } from '../config/env.js';
import { createOpeningStateReader } from '../hours/opening-state.js';
import { openingSummary } from '../hours/opening-summary.js';
import { type OpenOverride, endOpenOverride, openEveryMember } from '../hours/open-override.js';
import { LAB_PHONE_NETWORK, runLab } from '../lab/lab.js';
import { localActor } from '../auth/token-store.js';
import { sipEdgeSettings } from '../sip-edge/settings.js';
import { startSwitchboard } from '../switchboard.js';
import { ensureWebBuilt } from '../web/build.js';

const startArgs = z.object({ open: z.boolean().default(false) });

/** Who the audit log names for `--open`'s override. */
const OPEN_ACTOR = localActor('npm start --open');

/**
 * `vaxel start [--open]`: the switchboard against the Redis and Asterisk named in the
 * environment, or, when none is named, against the local lab (provisioned on first use). It
 * prints which members are open now and when each opens next; `--open` (the lab only) opens
 * every member with an audited manual override until the lab stops. Ctrl-C stops all.
 */
export async function startCommand(argv: string[]): Promise<void> {
  const parsed = startArgs.safeParse(parseArgs({ args: argv, options: { open: { type: 'boolean' } } }).values);
  if (!parsed.success) throw new ConfigError('the command line', describeIssues(parsed.error.issues));
  const env = readEnv();
  const region = await loadRegionConfig(env.REGION_CONFIG);
  // The switchboard answers calls without its web console: a failed build is said, not fatal.
  await ensureWebBuilt((line) => console.log(line)).catch((error: unknown) =>
    console.error('The web console could not be built:', error),
  );
  const sentinels =
    env.REDIS_SENTINELS.length > 0
      ? { masterName: env.REDIS_SENTINEL_MASTER, sentinels: env.REDIS_SENTINELS.map(hostPort) }
      : undefined;
  const useLab = !(env.ARI_URL && (env.REDIS_URL || sentinels));
  // A region's real callers must not find every member open because someone typed a flag.
  if (parsed.data.open && !useLab)
    throw new ConfigError('the command line', [
      'open: opens every member of the lab only; on a real region set an override with PATCH /api/v1/opening-hours/{kommunkod}',
    ]);
  const lab = useLab ? await runLab({ appName: env.ARI_APP }) : undefined;
  const redis = env.REDIS_URL ? { url: env.REDIS_URL } : (sentinels ?? lab!.redisTarget);
  const ari = env.ARI_URL
    ? {
        url: env.ARI_URL,
        username: env.ARI_USERNAME!,
        password: env.ARI_PASSWORD!,
        app: env.ARI_APP,
        mediaNode: env.MEDIA_NODE_ID,
      }
    : // The lab's own node id: its Asterisk has new ports at every start, but is the same node.
      {
        url: lab!.asterisk.ariUrl,
        username: lab!.asterisk.ariUser,
        password: lab!.asterisk.ariPassword,
        app: env.ARI_APP,
        mediaNode: env.MEDIA_NODE_ID ?? lab!.mediaNodeId,
      };

  const switchboard = await startSwitchboard({
    region,
    ...('url' in redis ? { redisUrl: redis.url } : { redisSentinel: redis }),
    redisAckReplicas: env.REDIS_ACK_REPLICAS,
    redisPrefix: env.REDIS_PREFIX,
    mediaNodeDeadSeconds: env.MEDIA_NODE_DEAD_SECONDS,
    ari,
    // The lab's phones (SIPp, softphones on this machine) are on loopback.
    operatorLeg: {
      endpoint: env.OPERATOR_ENDPOINT,
      ringSeconds: env.OPERATOR_RING_SECONDS,
      phoneNetworks: lab ? [...env.OPERATOR_PHONE_NETWORKS, LAB_PHONE_NETWORK] : env.OPERATOR_PHONE_NETWORKS,
    },
    callControl: { recallSeconds: env.TRANSFER_RECALL_SECONDS, trunkHost: env.CARRIER_SIP_HOST },
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    callRecordRetentionDays: env.CALL_RECORD_RETENTION_DAYS,
    messageRetentionDays: env.MESSAGE_RETENTION_DAYS,
    sipRealm: env.SIP_REALM,
    sipEdge: sipEdgeSettings(env),
    spokenText: { baseUrl: env.SPOKEN_TEXT_BASE_URL, cacheDir: env.SPOKEN_TEXT_CACHE_DIR },
    capacity: { settingUp: env.MAX_CALLS_SETTING_UP, held: env.MAX_CALLS_HELD },
    setUpTimeoutMs: env.CALL_SETUP_TIMEOUT_MS,
    metrics: { scrapeTokenSha256: env.METRICS_TOKEN_SHA256 },
    smtp: smtpSettings(env),
    sms: smsGatewaySettings(env),
    softphone: { wsUrl: env.SOFTPHONE_WS_URL, dtlsCertFile: env.SOFTPHONE_DTLS_CERT_FILE },
  });

  let opened: OpenOverride | undefined;
  if (parsed.data.open) opened = await openEveryMember(switchboard.admin.openingHours, region, OPEN_ACTOR);
  const hours = createOpeningStateReader(switchboard.admin);
  const members = await Promise.all(
    region.municipalities.map(async (m) => ({ name: m.name, state: await hours.openingStateNow(m.id) })),
  );
  console.log(`\n${openingSummary(members, new Date()).join('\n')}`);
  if (opened)
    console.log(`  (--open: every member manually set open until ${opened.override.until}, or until this lab stops)`);

  console.log(`\nRegionväxeln is answering. API: ${switchboard.url}  (health: ${switchboard.url}/health)`);
  console.log(`Web console: ${switchboard.url}/konsol/`);
  if (lab) {
    // The lab is for trying things out: give the person at the keyboard a short-lived operator token.
    const { token } = await switchboard.tokens.create(
      { name: 'lab-operator', role: 'operator', expiresInDays: 1 },
      localActor('vaxel start (lab)'),
    );
    console.log(`Lab operator token (valid 24 h, shown once): ${token}`);
    console.log(`Try: curl -H "Authorization: Bearer $TOKEN" ${switchboard.url}/api/v1/queues`);
  }

  // SIGTERM (systemd, compose, a rolling upgrade) drains first; Ctrl-C stops at once. Either way
  // the callers still held stay in Asterisk for the next start (drain.ts).
  if ((await nextSignal()) === 'SIGTERM') {
    console.log(`\nDraining (at most ${env.DRAIN_SECONDS} s; Ctrl-C or SIGTERM again stops at once)…`);
    await Promise.race([switchboard.drain(env.DRAIN_SECONDS), nextSignal()]);
  }
  console.log('\nStopping…');
  if (opened) await endOpenOverride(switchboard.admin.openingHours, region, opened, OPEN_ACTOR);
  await switchboard.stop();
  await lab?.stop();
}

/** The next SIGINT or SIGTERM. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** "host:port" (checked by the env schema) as a node address. */
function hostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}
