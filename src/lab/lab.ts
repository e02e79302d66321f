import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { startAsterisk, type AsteriskInstance } from './asterisk.js';
import { printProgress, step, type OnProgress } from './progress.js';
import { asteriskRootDir, defaultLabDir, provisionLab } from './provision.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

/**
 * The local lab: a persistent redis-server and an Asterisk with the project's config, on
 * this machine, provisioned on first use. For trying the switchboard out and for `vaxel start`
 * without a real Redis/Asterisk.
 */

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
}

export interface RunningLab {
  labDir: string;
  redis: RedisServer;
  asterisk: AsteriskInstance;
  /** Where the ARI password is (mode 0600); it is never printed. */
  ariPasswordFile: string;
  stop(): Promise<void>;
}

export async function runLab(options: LabOptions = {}): Promise<RunningLab> {
  const { labDir = defaultLabDir(), appName = 'regionvaxel', onProgress = printProgress } = options;
  await provisionLab({ labDir, onProgress });

  // Append-only with fsync per write and a directory that outlives the lab: queued calls and
  // operators' state survive a restart, as they would in production.
  const redisDir = join(labDir, 'redis-data');
  const redis = await step(onProgress, `Redis (append-only, data in ${redisDir})`, async () => {
    await mkdir(redisDir, { recursive: true });
    return startRedisServer({ port: options.redisPort, dir: redisDir, appendonly: true });
  });
  let asterisk: AsteriskInstance;
  try {
    asterisk = await step(onProgress, 'Asterisk 22 (lab chroot)', () =>
      startAsterisk({ labDir, appName, sipPort: options.sipPort, ariPort: options.ariPort }),
    );
  } catch (error) {
    await redis.stop();
    throw error;
  }

  const ariPasswordFile = join(labDir, 'ari-password');
  await writeFile(ariPasswordFile, `${asterisk.ariPassword}\n`, { mode: 0o600 });

  for (const line of describeLab({ labDir, redis, asterisk, ariPasswordFile, numbersToCall: options.numbersToCall })) onProgress(line);

  let stopping: Promise<void> | undefined;
  return {
    labDir,
    redis,
    asterisk,
    ariPasswordFile,
    stop: () =>
      (stopping ??= (async () => {
        await Promise.allSettled([asterisk.stop(), redis.stop()]);
      })()),
  };
}

function describeLab(lab: {
  labDir: string;
  redis: RedisServer;
  asterisk: AsteriskInstance;
  ariPasswordFile: string;
  numbersToCall?: { label: string; dial: string }[];
}): string[] {
  const { asterisk, redis } = lab;
  const sip = `${asterisk.sipHost}:${asterisk.sipPort}`;
  const rootDir = asteriskRootDir(lab.labDir);
  const confInChroot = `/${relative(rootDir, asterisk.instanceDir)}/etc/asterisk.conf`;
  const example = lab.numbersToCall?.[0]?.dial ?? '093214000';
  return [
    '',
    'The lab is running:',
    `  Redis       ${redis.url}  (append-only, data in ${redis.dir})`,
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
