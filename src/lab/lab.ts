import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RedisTarget } from '../store/redis-client.js';
import type { AsteriskInstance } from './asterisk.js';
import { superviseAsterisk } from './asterisk-supervisor.js';
import { printProgress, step, type OnProgress } from './progress.js';
import { asteriskRootDir, defaultLabDir, provisionLab } from './provision.js';
import { type RedisHa, startRedisHa } from './redis-ha.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

/**
 * The local lab: a persistent redis-server and an Asterisk with the project's config, on
 * this machine, provisioned on first use. For trying the switchboard out and for `vaxel start`
 * without a real Redis/Asterisk.
 */

/**
 * Where the lab's operator phones are (SIPp, a softphone on this machine): the lab adds it to
 * OPERATOR_PHONE_NETWORKS, so `sip:op@127.0.0.1:5071` may be rung there and nowhere else.
 */
export const LAB_PHONE_NETWORK = '127.0.0.0/8';

export interface LabOptions {
  labDir?: string;
  /** The Stasis app Asterisk hands calls to; the switchboard's ARI_APP. */
  appName?: string;
  onProgress?: OnProgress;
  /** Fixed ports for a lab people dial by hand; free ones when not given. */
  redisPort?: number;
  sipPort?: number;
  ariPort?: number;
  /** Shown as numbers to call, e.g. the region's main numbers. */
  numbersToCall?: { label: string; dial: string }[];
  /** Redis that fails over (`lab start --ha`): a primary, a replica and three sentinels, instead of one Redis. */
  ha?: boolean;
}

export interface RunningLab {
  labDir: string;
  /** The one Redis; none with `ha`. */
  redis: RedisServer | undefined;
  /** With `ha`: the primary, the replica and the sentinels. */
  redisHa: RedisHa | undefined;
  /** Where the switchboard finds Redis: the one Redis, or the sentinels. */
  redisTarget: RedisTarget;
  /** The Asterisk running now: the lab starts it again on the same ports when it dies. */
  readonly asterisk: AsteriskInstance;
  /** The lab's MEDIA_NODE_ID, the same at every start (kept in the lab dir). */
  mediaNodeId: string;
  /** Where the ARI password is (mode 0600); it is never printed. */
  ariPasswordFile: string;
  stop(): Promise<void>;
}

/**
 * The lab's media node id, made once and kept in the lab dir: its Asterisk gets new ports at
 * every start, yet it is the same node, so the switchboard's reconcile at start ends the calls
 * a killed lab left in Redis at once (their callers went with the old Asterisk), instead of
 * leaving them to wait as another node's (media/nodes/).
 */
export async function labMediaNodeId(labDir: string): Promise<string> {
  const file = join(labDir, 'media-node-id');
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (kept !== '') return kept;
  const id = `lab-${randomBytes(4).toString('hex')}`;
  await mkdir(labDir, { recursive: true });
  await writeFile(file, `${id}\n`);
  return id;
}

export async function runLab(options: LabOptions = {}): Promise<RunningLab> {
  const { labDir = defaultLabDir(), appName = 'regionvaxel', onProgress = printProgress } = options;
  await provisionLab({ labDir, onProgress });

  // Append-only with fsync per write and a directory that outlives the lab: queued calls and
  // operators' state survive a restart, as they would in production.
  const redisDir = join(labDir, options.ha ? 'redis-ha' : 'redis-data');
  const { redis, redisHa } = await step(
    onProgress,
    options.ha
      ? `Redis with Sentinel: primary, replica, three sentinels (append-only, data in ${redisDir})`
      : `Redis (append-only, data in ${redisDir})`,
    async () => {
      await mkdir(redisDir, { recursive: true });
      return options.ha
        ? { redis: undefined, redisHa: await startRedisHa({ dir: redisDir }) }
        : {
            redis: await startRedisServer({ port: options.redisPort, dir: redisDir, appendonly: true }),
            redisHa: undefined,
          };
    },
  );
  const stopRedis = () => (redis ?? redisHa)!.stop();
  let asterisk: Awaited<ReturnType<typeof superviseAsterisk>>;
  try {
    asterisk = await step(onProgress, 'Asterisk 22 (lab chroot; started again if it dies)', () =>
      superviseAsterisk({ labDir, appName, sipPort: options.sipPort, ariPort: options.ariPort }),
    );
  } catch (error) {
    await stopRedis();
    throw error;
  }

  const ariPasswordFile = join(labDir, 'ari-password');
  await writeFile(ariPasswordFile, `${asterisk.current().ariPassword}\n`, { mode: 0o600 });
  const mediaNodeId = await labMediaNodeId(labDir);
  const redisTarget: RedisTarget = redisHa ? redisHa.target : { url: redis!.url };

  for (const line of describeLab({
    labDir,
    redis,
    redisHa,
    asterisk: asterisk.current(),
    mediaNodeId,
    ariPasswordFile,
    numbersToCall: options.numbersToCall,
  }))
    onProgress(line);

  let stopping: Promise<void> | undefined;
  return {
    labDir,
    redis,
    redisHa,
    redisTarget,
    get asterisk() {
      return asterisk.current();
    },
    mediaNodeId,
    ariPasswordFile,
    stop: () =>
      (stopping ??= (async () => {
        await Promise.allSettled([asterisk.stop(), stopRedis()]);
      })()),
  };
}

function describeLab(lab: {
  labDir: string;
  redis: RedisServer | undefined;
  redisHa: RedisHa | undefined;
  asterisk: AsteriskInstance;
  mediaNodeId: string;
  ariPasswordFile: string;
  numbersToCall?: { label: string; dial: string }[];
}): string[] {
  const { asterisk, redis, redisHa } = lab;
  const sentinels = redisHa?.target.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
  const sip = `${asterisk.sipHost}:${asterisk.sipPort}`;
  const rootDir = asteriskRootDir(lab.labDir);
  const confInChroot = `/${relative(rootDir, asterisk.instanceDir)}/etc/asterisk.conf`;
  const example = lab.numbersToCall?.[0]?.dial ?? '093214000';
  return [
    '',
    'The lab is running:',
    ...(redisHa
      ? [
          `  Redis       primary ${redisHa.servers[0].url}, replica ${redisHa.servers[1].url} (append-only)`,
          `  Sentinels   REDIS_SENTINELS=${sentinels} REDIS_SENTINEL_MASTER=${redisHa.masterName}`,
        ]
      : [`  Redis       ${redis!.url}  (append-only, data in ${redis!.dir})`]),
    `  Media node  MEDIA_NODE_ID=${lab.mediaNodeId}  (the same at every start of this lab)`,
    `  ARI         ${asterisk.ariUrl}  user ${asterisk.ariUser}, password in ${lab.ariPasswordFile} (new at every start)`,
    `              Stasis app "${asterisk.appName}"`,
    `  SIP (UDP)   ${sip}  calls from 127.0.0.1 count as the carrier's trunk; other sources are refused`,
    `  Operators   dialled as PJSIP/operator-phones/sip:<name>@127.0.0.1:<phone port>`,
    ...(lab.numbersToCall?.length
      ? ['  Numbers to call:', ...lab.numbersToCall.map(({ label, dial }) => `    ${dial.padEnd(12)} ${label}`)]
      : ['  Numbers     every number reaches the app (from-carrier: _X. and _+X.)']),
    `  Call        sipp -sn uac ${sip} -s ${example} -m 1 -d 30000 -i 127.0.0.1 -nostdin   (waits 30 s, then hangs up)`,
    `  Phone       sipp -sn uas -i 127.0.0.1 -p 5071 -nostdin   (answers by itself; log in with sip:operator@127.0.0.1:5071)`,
    `  CLI         chroot ${rootDir} /usr/sbin/asterisk -C ${confInChroot} -r`,
    `  Logs        ${join(asterisk.instanceDir, 'log')}`,
  ];
}
