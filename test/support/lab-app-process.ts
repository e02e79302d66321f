import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { localActor } from '../../src/auth/token-store.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { LAB_PHONE_NETWORK, runLab } from '../../src/lab/lab.js';
import { startSwitchboard } from '../../src/switchboard.js';
import { OPEN_INSTANT, clockFrom } from './lab-switchboard.js';

/**
 * The lab and the switchboard in a process of their own, as `npm start` runs them (runLab: its
 * Redis with AOF in the lab dir, its Asterisk on new ports, its stable media node id), so that a
 * test can kill all of it with -9 and start it again. Only the clock is the tests' (an open
 * switchboard at any hour) and the region has no wrap-up.
 */

const MARK = 'LAB-APP ';

export interface LabAppInfo {
  url: string;
  token: string;
  /** host:port of the lab Asterisk's SIP side. */
  sip: string;
  mediaNode: string;
  asteriskPid: number;
  redisPid: number;
}

/** Starts the lab and the app in `labDir` in a child process; resolves once it answers. */
export async function startLabApp(labDir: string, { mediaNodeDeadSeconds }: { mediaNodeDeadSeconds: number }) {
  // Node itself with tsx's loader (not tsx's CLI, which runs Node as a child of its own): the pid is the app's.
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename], {
    env: { ...process.env, LAB_APP: JSON.stringify({ labDir, mediaNodeDeadSeconds }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const info = await new Promise<LabAppInfo>((done, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(MARK)) done(JSON.parse(line.slice(MARK.length)) as LabAppInfo);
    });
    void exited.then((code) => fail(new Error(`the lab app exited (${code}) before it was ready`)));
  });
  return {
    info,
    /** Asterisk, Redis and the app at once, with SIGKILL: nothing of them shuts down in order. */
    killAll() {
      for (const pid of [info.asteriskPid, info.redisPid, child.pid!]) process.kill(pid, 'SIGKILL');
      return exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(settings: { labDir: string; mediaNodeDeadSeconds: number }): Promise<void> {
  const lab = await runLab({ labDir: settings.labDir, appName: 'rv-lab-app', onProgress: () => undefined });
  const loaded = await loadRegionConfig(resolve('config/region.yaml'));
  const spokenTextCache = await mkdtemp(join(tmpdir(), 'rv-lab-app-spoken-'));
  const { asterisk } = lab;
  const switchboard = await startSwitchboard({
    region: { ...loaded, region: { ...loaded.region, wrapUpSeconds: 0 } },
    redisUrl: lab.redis!.url,
    redisPrefix: 'rv',
    ari: {
      url: asterisk.ariUrl,
      username: asterisk.ariUser,
      password: asterisk.ariPassword,
      app: asterisk.appName,
      mediaNode: lab.mediaNodeId,
    },
    mediaNodeDeadSeconds: settings.mediaNodeDeadSeconds,
    operatorLeg: { endpoint: 'operator-phones', ringSeconds: 10, phoneNetworks: [LAB_PHONE_NETWORK] },
    http: { host: '127.0.0.1', port: 0 },
    auditRetentionDays: 30,
    now: clockFrom(OPEN_INSTANT),
    spokenText: { cacheDir: spokenTextCache },
  });
  const { token } = await switchboard.tokens.create(
    { name: 'lab app operator', role: 'operator' },
    localActor('e2e test'),
  );
  const info: LabAppInfo = {
    url: switchboard.url,
    token,
    sip: `${asterisk.sipHost}:${asterisk.sipPort}`,
    mediaNode: lab.mediaNodeId,
    asteriskPid: asterisk.pid,
    redisPid: lab.redis!.pid!,
  };
  process.stdout.write(`${MARK}${JSON.stringify(info)}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      await switchboard.stop();
      await lab.stop();
      await rm(spokenTextCache, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

if (process.env.LAB_APP && process.argv[1] === import.meta.filename)
  await main(JSON.parse(process.env.LAB_APP) as { labDir: string; mediaNodeDeadSeconds: number });
