import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../log.js';
import { renderAsteriskConfig } from './asterisk-config.js';
import { ensureDtlsCertificate } from './dtls-certificate.js';
import { freeTcpPort, freeUdpPort } from './free-port.js';
import { keepOutputTail } from './output-tail.js';
import { runTool, withSystemPath } from '../run-tool.js';
import {
  asteriskRootDir,
  assertChrootReady,
  defaultLabDir,
  ensureChrootHosts,
  LabSetupError,
  mountPoints,
  processIsAlive,
} from './provision.js';

/**
 * One Asterisk 22 of the lab chroot, with the project's config (dialplans/) and its own
 * ports and directories, so that tests and the lab can run several at once from one chroot.
 */

export interface StartAsteriskOptions {
  labDir?: string;
  /** The Stasis application calls from the carrier are handed to. */
  appName: string;
  /** SIP over UDP on 127.0.0.1; a free port when not given. */
  sipPort?: number;
  /** HTTP (ARI) on 127.0.0.1; a free port when not given. */
  ariPort?: number;
  /** Source address(es) PJSIP takes for the carrier's trunk (pjsip `identify` match); 127.0.0.1. */
  trunkMatch?: string;
  /** ARI password; a new random one when not given (given to restart an instance as it was). */
  ariPassword?: string;
}

export interface AsteriskInstance {
  /** Base URL for ari-client's connect(); REST resources are under `${ariUrl}/ari/`. */
  readonly ariUrl: string;
  readonly ariUser: string;
  readonly ariPassword: string;
  readonly sipHost: '127.0.0.1';
  readonly sipPort: number;
  readonly appName: string;
  /** The instance's directory on the host (inside the chroot); its log/ has asterisk.out. */
  readonly instanceDir: string;
  /** Asterisk's process id (a fault test kills it). */
  readonly pid: number;
  /** Resolves, saying why, when Asterisk exits: stopped, or died (the lab starts it again, asterisk-supervisor.ts). */
  readonly exited: Promise<Error>;
  /** Runs an Asterisk CLI command (`asterisk -rx`) and returns its output. */
  cli(command: string): Promise<string>;
  /** Stops Asterisk (SIGTERM, then SIGKILL) and removes the instance directory. */
  stop(): Promise<void>;
}

const ASTERISK = '/usr/sbin/asterisk';
const ARI_USER = 'regionvaxel';
const SIP_HOST = '127.0.0.1';
/** Instances live here inside the chroot, one directory each. */
const INSTANCES_DIR = '/lab-instances';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const CLI_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_LINES = 40;
/** An instance directory without a pid this old is left over from a crash during start. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export async function startAsterisk(options: StartAsteriskOptions): Promise<AsteriskInstance> {
  const { labDir = defaultLabDir(), appName, trunkMatch = '127.0.0.1' } = options;
  if (!/^[\w-]+$/.test(appName)) throw new Error(`Stasis app name "${appName}": letters, digits, - and _ only`);
  if (!/^[\w.:/,-]+$/.test(trunkMatch))
    throw new Error(`trunkMatch "${trunkMatch}": IP addresses, networks or host names, comma-separated`);
  if (process.getuid?.() !== 0) {
    throw new LabSetupError(
      'Running Asterisk in the lab chroot needs root (chroot, mount). Run as root, or use docker compose up (docker-compose.yml).',
    );
  }
  const rootDir = asteriskRootDir(labDir);
  await assertChrootReady(rootDir);
  await Promise.all([ensureChrootHosts(rootDir), ensureDtlsCertificate(rootDir), removeAbandonedInstances(rootDir)]);

  const id = randomBytes(4).toString('hex');
  const instancePath = `${INSTANCES_DIR}/${id}`;
  const instanceDir = join(rootDir, instancePath);
  const confPath = `${instancePath}/etc/asterisk.conf`;
  const [sipPort, ariPort] = await Promise.all([options.sipPort ?? freeUdpPort(), options.ariPort ?? freeTcpPort()]);
  const ariPassword = options.ariPassword ?? randomBytes(18).toString('base64url');

  // spool/recording: ARI recordings (voice messages) are made only inside an existing recording dir.
  for (const sub of ['etc', 'lib', 'spool', 'spool/recording', 'log', 'run', 'cache'])
    await mkdir(join(instanceDir, sub), { recursive: true });
  await renderAsteriskConfig({
    outDir: join(instanceDir, 'etc'),
    vars: {
      INSTANCE_DIR: instancePath,
      MODULE_DIR: await findModuleDir(rootDir),
      SYSTEM_NAME: `lab-${id}`,
      HTTP_BIND: '127.0.0.1',
      HTTP_PORT: String(ariPort),
      ARI_USER,
      ARI_PASSWORD: ariPassword,
      SIP_BIND: SIP_HOST,
      SIP_PORT: String(sipPort),
      TRUNK_MATCH: trunkMatch,
      ARI_APP: appName,
      RTP_START: '10000',
      RTP_END: '20000',
    },
  });

  const ariUrl = `http://127.0.0.1:${ariPort}`;
  const logger = log.child({ asterisk: id, sipPort, ariPort });
  const cli = (command: string) =>
    runTool('chroot', [rootDir, ASTERISK, '-C', confPath, '-rx', command], { timeoutMs: CLI_TIMEOUT_MS });

  const running = await launch(rootDir, confPath, join(instanceDir, 'log', 'asterisk.out'));
  await writeFile(join(instanceDir, 'asterisk.pid'), String(running.child.pid));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await terminate(running.child);
      await rm(instanceDir, { recursive: true, force: true });
      logger.debug('Asterisk stopped');
    })());

  try {
    const stillRunning = () => running.child.exitCode === null && running.child.signalCode === null;
    await Promise.race([
      waitForAri(ariUrl, ariPassword, stillRunning),
      running.exited.then((reason) => Promise.reject(reason)),
    ]);
    // ARI answers once res_ari is loaded; wait for the remaining modules and the dialplan too.
    await cli('core waitfullybooted');
  } catch (error) {
    const output = running.tail().join('\n');
    await stop();
    throw new Error(
      `Asterisk (lab instance ${id}) did not become ready: ${(error as Error).message}\nLast output:\n${output}`,
      { cause: error },
    );
  }
  logger.debug({ procMount: running.procMount }, 'Asterisk ready');

  return {
    ariUrl,
    ariUser: ARI_USER,
    ariPassword,
    sipHost: SIP_HOST,
    sipPort,
    appName,
    instanceDir,
    pid: running.child.pid!,
    exited: running.exited,
    cli,
    stop,
  };
}

interface RunningAsterisk {
  child: ChildProcess;
  /** Resolves (never rejects) with why Asterisk ended, if it ends. */
  exited: Promise<Error>;
  tail(): string[];
  procMount: ProcMount;
}

/**
 * Asterisk needs /proc in its chroot. Preferably it gets its own mount of it in a private
 * mount namespace (unshare), which vanishes when Asterisk exits, whatever the way it exits.
 * Where creating namespaces is not allowed, /proc is mounted into the chroot once and left
 * there for all instances (unmounting it could pull it from under another instance).
 */
type ProcMount = 'private-namespace' | 'shared-mount';
let procMountChoice: Promise<ProcMount> | undefined;

function chooseProcMount(): Promise<ProcMount> {
  procMountChoice ??= runTool('unshare', ['--mount', '--propagation', 'private', 'true']).then(
    (): ProcMount => 'private-namespace',
    (error: Error): ProcMount => {
      log.warn(
        { reason: error.message },
        'unshare not permitted; mounting /proc into the lab chroot and leaving it mounted',
      );
      return 'shared-mount';
    },
  );
  return procMountChoice;
}

async function launch(rootDir: string, confPath: string, outputFile: string): Promise<RunningAsterisk> {
  const procMount = await chooseProcMount();
  // -f: stay in the foreground (we are its supervisor); -n: no colours; -g: core dumps.
  // setpriv --pdeathsig: if this Node process dies without stopping it, Asterisk gets SIGTERM
  // instead of living on with the ports. detached: Ctrl-C in a terminal reaches us, not
  // Asterisk, so the lab stops it in order.
  const asterisk = ['setpriv', '--pdeathsig', 'TERM', 'chroot', rootDir, ASTERISK, '-C', confPath, '-f', '-n', '-g'];
  let command: string[];
  if (procMount === 'private-namespace') {
    command = ['unshare', '--mount', '--propagation', 'private', `--mount-proc=${join(rootDir, 'proc')}`, ...asterisk];
  } else {
    await mountSharedProc(rootDir);
    command = asterisk;
  }
  const [program = '', ...args] = command;
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: withSystemPath() });

  const file = createWriteStream(outputFile);
  const tail = keepOutputTail(child, OUTPUT_TAIL_LINES, (chunk) => file.write(chunk));

  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error) => resolve(new Error(`could not start ${program}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      file.end();
      resolve(new Error(`Asterisk exited (${signal ?? `code ${code}`})`));
    });
  });
  return { child, exited, tail, procMount };
}

async function mountSharedProc(rootDir: string): Promise<void> {
  // mountinfo lists resolved paths.
  const target = await realpath(join(rootDir, 'proc'));
  if ((await mountPoints()).includes(target)) return;
  await runTool('mount', ['-t', 'proc', 'proc', target]).catch(async (error: Error) => {
    // Another instance may have mounted it a moment ago.
    if (!(await mountPoints()).includes(target)) throw error;
  });
}

/** Debian's multiarch module dir, /usr/lib/<triplet>/asterisk/modules, as found in the chroot. */
async function findModuleDir(rootDir: string): Promise<string> {
  for (const entry of await readdir(join(rootDir, 'usr/lib'))) {
    const candidate = `/usr/lib/${entry}/asterisk/modules`;
    if (
      await stat(join(rootDir, candidate)).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      return candidate;
  }
  throw new LabSetupError(
    `No Asterisk module dir under ${rootDir}/usr/lib; provision the lab again ("npm run lab -- provision").`,
  );
}

/** Polls ARI until it answers, Asterisk has exited (`stillRunning`) or the time is up. */
async function waitForAri(ariUrl: string, password: string, stillRunning: () => boolean): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${ARI_USER}:${password}`).toString('base64')}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline && stillRunning()) {
    try {
      const response = await fetch(`${ariUrl}/ari/asterisk/info`, {
        headers: { authorization },
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ARI at ${ariUrl} did not answer within ${READY_TIMEOUT_MS / 1000} s (last: ${last})`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
}

/**
 * Instance dirs left behind by processes that died without stop() (a killed test run): their
 * Asterisk is gone (pdeathsig) but the files stay.
 */
async function removeAbandonedInstances(rootDir: string): Promise<void> {
  const dir = join(rootDir, INSTANCES_DIR);
  const ids = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    ids.map(async (id) => {
      const instanceDir = join(dir, id);
      const pid = Number(await readFile(join(instanceDir, 'asterisk.pid'), 'utf8').catch(() => ''));
      const abandoned = pid
        ? !processIsAlive(pid)
        : await stat(instanceDir).then(
            (s) => Date.now() - s.mtimeMs > ABANDONED_AFTER_MS,
            () => false,
          );
      if (abandoned) await rm(instanceDir, { recursive: true, force: true });
    }),
  );
}
