import { loadRegionConfig } from '../config/load-region.js';
import { readEnv } from '../config/env.js';
import { runLab } from '../lab/lab.js';
import { localActor } from '../auth/token-store.js';
import { sipEdgeSettings } from '../sip-edge/settings.js';
import { startSwitchboard } from '../switchboard.js';
import { ensureWebBuilt } from '../web/build.js';

/**
 * `vaxel start`: the switchboard against the Redis and Asterisk named in the environment, or,
 * when none is named, against the local lab (provisioned on first use). Ctrl-C stops all.
 */
export async function startCommand(): Promise<void> {
  const env = readEnv();
  const region = await loadRegionConfig(env.REGION_CONFIG);
  // The switchboard answers calls without its web console: a failed build is said, not fatal.
  await ensureWebBuilt((line) => console.log(line)).catch((error: unknown) => console.error('The web console could not be built:', error));
  const lab = env.ARI_URL && env.REDIS_URL ? undefined : await runLab({ appName: env.ARI_APP });
  const redisUrl = env.REDIS_URL ?? lab!.redis.url;
  const ari = env.ARI_URL
    ? { url: env.ARI_URL, username: env.ARI_USERNAME!, password: env.ARI_PASSWORD!, app: env.ARI_APP, mediaNode: env.MEDIA_NODE_ID }
    : { url: lab!.asterisk.ariUrl, username: lab!.asterisk.ariUser, password: lab!.asterisk.ariPassword, app: env.ARI_APP, mediaNode: env.MEDIA_NODE_ID };

  const switchboard = await startSwitchboard({
    region,
    redisUrl,
    redisPrefix: env.REDIS_PREFIX,
    ari,
    operatorLeg: { endpoint: env.OPERATOR_ENDPOINT, ringSeconds: env.OPERATOR_RING_SECONDS },
    callControl: { recallSeconds: env.TRANSFER_RECALL_SECONDS, trunkHost: env.CARRIER_SIP_HOST },
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    callRecordRetentionDays: env.CALL_RECORD_RETENTION_DAYS,
    sipRealm: env.SIP_REALM,
    sipEdge: sipEdgeSettings(env),
    spokenText: { baseUrl: env.SPOKEN_TEXT_BASE_URL, cacheDir: env.SPOKEN_TEXT_CACHE_DIR },
  });

  console.log(`\nRegionväxeln is answering. API: ${switchboard.url}  (health: ${switchboard.url}/health)`);
  console.log(`Web console: ${switchboard.url}/konsol/`);
  if (lab) {
    // The lab is for trying things out: give the person at the keyboard a short-lived operator token.
    const { token } = await switchboard.tokens.create({ name: 'lab-operator', role: 'operator', expiresInDays: 1 }, localActor('vaxel start (lab)'));
    console.log(`Lab operator token (valid 24 h, shown once): ${token}`);
    console.log(`Try: curl -H "Authorization: Bearer $TOKEN" ${switchboard.url}/api/v1/queues`);
  }

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('\nStopping…');
  await switchboard.stop();
  await lab?.stop();
}
