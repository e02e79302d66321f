import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from '../log.js';
import { runTool, withSystemPath } from '../run-tool.js';
import { ensureDtlsCertificate } from './dtls-certificate.js';
import { printProgress, step, type OnProgress } from './progress.js';
import { ensurePrompts, promptsAreCurrent } from './prompts.js';

/**
 * The lab's own machinery on this host: redis-server, SIPp and a Debian sid chroot with
 * Asterisk 22 (Debian stable has no Asterisk; sid's needs a newer glibc than the host's, so it
 * cannot simply be installed on the host). Building the chroot takes minutes, so it is built
 * once into the lab dir and reused while its marker says it was built from today's recipe.
 */

const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** `<repo>/.lab`, or VAXEL_LAB_DIR. */
export function defaultLabDir(): string {
  return process.env.VAXEL_LAB_DIR || join(REPO_DIR, '.lab');
}

export function asteriskRootDir(labDir: string): string {
  return join(labDir, 'asterisk-root');
}

/** What the chroot is built from. Changing it makes the next provisioning rebuild the chroot. */
const CHROOT_RECIPE = {
  suite: 'sid',
  variant: 'minbase',
  packages: ['asterisk', 'asterisk-moh-opsound-wav', 'asterisk-core-sounds-en-wav'],
  // Bump when the steps after installing change (hosts, resolv.conf, ...).
  revision: 1,
};

const MARKER_FILE = '.regionvaxel-lab.json';

interface ChrootMarker {
  recipe: typeof CHROOT_RECIPE;
  builtAt: string;
  mirror: string;
}

/** Host tools and the Debian packages that provide them. */
const HOST_TOOLS = [
  { binary: 'redis-server', aptPackage: 'redis-server' },
  // Redis that fails over (`lab start --ha`, the failover tests): Debian packages the sentinel apart.
  { binary: 'redis-sentinel', aptPackage: 'redis-sentinel' },
  { binary: 'sipp', aptPackage: 'sip-tester' },
  { binary: 'debootstrap', aptPackage: 'debootstrap' },
  // The Swedish prompts are spoken from committed text at provisioning (prompts.ts).
  { binary: 'espeak-ng', aptPackage: 'espeak-ng' },
  { binary: 'sox', aptPackage: 'sox' },
  // The browser tests of the web console drive Debian's Chromium (test/browser/).
  { binary: 'chromium', aptPackage: 'chromium' },
  // The self-signed DTLS certificate of the browser phones' media (dtls-certificate.ts).
  { binary: 'openssl', aptPackage: 'openssl' },
] as const;

const toolEnv = (): NodeJS.ProcessEnv => ({
  ...withSystemPath(),
  DEBIAN_FRONTEND: 'noninteractive',
  // The chroot has no locales; C keeps apt and dpkg from warning about each one.
  LC_ALL: 'C',
  LANG: 'C',
});

/** Thrown when the lab cannot be set up here; its message says what to do instead. */
export class LabSetupError extends Error {
  override name = 'LabSetupError';
}

export interface ProvisionOptions {
  labDir?: string;
  onProgress?: OnProgress;
}

export interface ProvisionedLab {
  labDir: string;
  /** The Asterisk chroot. */
  rootDir: string;
}

/**
 * Makes sure the host tools and the Asterisk chroot exist; does nothing (quickly) when they
 * do. Safe to call from several processes at once (parallel test files): one builds, the
 * others wait for it.
 */
export async function provisionLab({
  labDir = defaultLabDir(),
  onProgress = printProgress,
}: ProvisionOptions = {}): Promise<ProvisionedLab> {
  const rootDir = asteriskRootDir(labDir);
  const provisioned = { labDir, rootDir };
  if (
    (await missingHostTools()).length === 0 &&
    (await chrootIsCurrent(rootDir)) &&
    (await promptsAreCurrent(rootDir))
  ) {
    await ensureDtlsCertificate(rootDir);
    onProgress(`Lab is provisioned: host tools present, Asterisk chroot at ${rootDir}`);
    return provisioned;
  }

  await mkdir(labDir, { recursive: true });
  await withLock(join(labDir, 'provision.lock'), onProgress, async () => {
    await step(
      onProgress,
      'Host tools: redis-server, redis-sentinel, sipp (sip-tester), debootstrap, espeak-ng, sox, chromium, openssl',
      (detail) => ensureHostTools(detail),
    );
    if (await chrootIsCurrent(rootDir)) onProgress(`Asterisk chroot at ${rootDir} is ready`);
    else await buildChroot(rootDir, onProgress);
    await step(onProgress, 'Swedish prompts (espeak-ng, dialplans/prompts/sv.txt)', (detail) =>
      ensurePrompts(rootDir, detail),
    );
    await step(onProgress, 'DTLS certificate for the browser phones (openssl, self-signed)', () =>
      ensureDtlsCertificate(rootDir),
    );
  });
  return provisioned;
}

/** Throws, telling how to provision, unless the chroot is built and current. */
export async function assertChrootReady(rootDir: string): Promise<void> {
  if (!(await chrootIsCurrent(rootDir))) {
    throw new LabSetupError(
      `The Asterisk chroot at ${rootDir} is missing or outdated. Run "npm run lab -- provision" first.`,
    );
  }
}

async function chrootIsCurrent(rootDir: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(rootDir, MARKER_FILE), 'utf8')) as ChrootMarker;
    return JSON.stringify(marker.recipe) === JSON.stringify(CHROOT_RECIPE);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Host tools

type HostTool = (typeof HOST_TOOLS)[number];

/**
 * Only these host tools, installed like the lab's when missing: for what needs a few of them
 * and no Asterisk (the Redis test tier).
 */
export async function provisionHostTools(
  binaries: readonly HostTool['binary'][],
  { labDir = defaultLabDir(), onProgress = printProgress }: ProvisionOptions = {},
): Promise<void> {
  const tools = HOST_TOOLS.filter((tool) => binaries.includes(tool.binary));
  if ((await missingHostTools(tools)).length === 0) return;
  await mkdir(labDir, { recursive: true });
  await withLock(join(labDir, 'provision.lock'), onProgress, () =>
    step(onProgress, `Host tools: ${binaries.join(', ')}`, (detail) => ensureHostTools(detail, tools)),
  );
}

async function missingHostTools(tools: readonly HostTool[] = HOST_TOOLS): Promise<HostTool[]> {
  const found = await Promise.all(tools.map(async (tool) => ((await findBinary(tool.binary)) ? undefined : tool)));
  return found.filter((tool) => tool !== undefined);
}

async function findBinary(name: string): Promise<string | undefined> {
  for (const dir of (withSystemPath().PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

const isRoot = () => process.getuid?.() === 0;

async function ensureHostTools(detail: OnProgress, tools: readonly HostTool[] = HOST_TOOLS): Promise<void> {
  const missing = await missingHostTools(tools);
  if (missing.length === 0) {
    detail('all present');
    return;
  }
  const packages = missing.map((tool) => tool.aptPackage);
  const aptGet = await findBinary('apt-get');
  if (!isRoot() || !aptGet) {
    throw new LabSetupError(
      `The lab needs ${missing.map((tool) => tool.binary).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed, ` +
        `and ${aptGet ? 'installing needs root' : 'there is no apt-get to install with'}. ` +
        `Install the Debian package(s) ${packages.join(' ')} (as root: apt-get install -y ${packages.join(' ')}), ` +
        'or run the lab in containers instead: docker compose up (see docker-compose.yml).',
    );
  }
  detail(`installing ${packages.join(' ')} with apt-get`);
  const onLine = streamMatching(detail, /^(Get:|Err:|E: |W: |Setting up )/);
  await runTool(aptGet, ['update'], { env: toolEnv(), onLine });
  await runTool(aptGet, ['install', '-y', ...packages], { env: toolEnv(), onLine });
}

function streamMatching(detail: OnProgress, pattern: RegExp): (line: string) => void {
  return (line) => {
    if (pattern.test(line)) detail(line);
  };
}

// ---------------------------------------------------------------------------------------------
// The Asterisk chroot

async function buildChroot(rootDir: string, onProgress: OnProgress): Promise<void> {
  if (!isRoot()) {
    throw new LabSetupError(
      `Building the Asterisk chroot (${rootDir}) needs root (debootstrap, chroot). ` +
        'Run "npm run lab -- provision" as root, or run the lab in containers instead: docker compose up (see docker-compose.yml).',
    );
  }
  // Built beside its final place and renamed at the end: a half-built chroot (a crash, Ctrl-C,
  // a network error) never carries the final name, so it is never mistaken for a usable one.
  const building = `${rootDir}.building`;
  await removeTree(building);

  const mirror = await step(onProgress, 'Finding the Debian mirror this host uses', async (detail) => {
    const found = await findDebianMirror();
    detail(found);
    return found;
  });
  await step(onProgress, `Debian ${CHROOT_RECIPE.suite} base system (debootstrap, ~1 min, ~230 MB)`, (detail) =>
    runTool('debootstrap', [`--variant=${CHROOT_RECIPE.variant}`, CHROOT_RECIPE.suite, building, mirror], {
      env: toolEnv(),
      onLine: debootstrapProgress(detail),
    }),
  );
  await step(
    onProgress,
    `Asterisk in the chroot (apt-get install ${CHROOT_RECIPE.packages.join(' ')}, ~1 min)`,
    async (detail) => {
      // Package scripts must not try to start Asterisk as a service inside the chroot.
      await writeFile(join(building, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
      // The mirror's sid Release file can be past its Valid-Until date (mirror snapshots); apt
      // refuses it without this option.
      await runTool('chroot', [building, 'apt-get', '-o', 'Acquire::Check-Valid-Until=false', 'update'], {
        env: toolEnv(),
        onLine: streamMatching(detail, /^(Get:|Hit:|Err:|E: |W: )/),
      });
      // Use-Pty=0: the chroot has no /dev/pts; without it apt reports an (harmless) error.
      await runTool(
        'chroot',
        [
          building,
          'apt-get',
          '-o',
          'Dpkg::Use-Pty=0',
          'install',
          '-y',
          '--no-install-recommends',
          ...CHROOT_RECIPE.packages,
        ],
        {
          env: toolEnv(),
          onLine: streamMatching(detail, /^(Unpacking |Setting up |E: |W: |\d+ upgraded, )/),
        },
      );
      await runTool('chroot', [building, 'apt-get', 'clean'], { env: toolEnv() });
    },
  );
  await step(onProgress, 'Finishing the chroot', async (detail) => {
    // With the host's resolver, Asterisk looks names up on every call, off this machine: slow
    // and, under load, a source of stalls. Loopback only; the hosts file answers what it asks.
    await rm(join(building, 'etc/resolv.conf'), { force: true });
    await writeFile(join(building, 'etc/resolv.conf'), 'nameserver 127.0.0.1\n');
    await ensureChrootHosts(building);
    const marker: ChrootMarker = { recipe: CHROOT_RECIPE, builtAt: new Date().toISOString(), mirror };
    await writeFile(join(building, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);

    const previous = `${rootDir}.previous`;
    await removeTree(previous);
    await rename(rootDir, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(building, rootDir);
    await removeTree(previous);
    detail(`ready at ${rootDir}`);
  });
  log.debug({ rootDir, mirror }, 'Asterisk chroot built');
}

/**
 * The chroot's /etc/hosts, naming this host too: for each call Asterisk resolves the machine's
 * host name (to find its own address) and, failing that, A.ROOT-SERVERS.NET. The host name
 * differs between machines (CI runners), so starting Asterisk checks it again.
 */
export async function ensureChrootHosts(rootDir: string): Promise<void> {
  const file = join(rootDir, 'etc/hosts');
  const wanted = `127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 ${hostname()}\n`;
  if ((await readFile(file, 'utf8').catch(() => '')) === wanted) return;
  // Renamed into place: instances starting at the same time never see a half-written file.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, wanted);
  await rename(temporary, file);
}

/**
 * debootstrap prints a line per package for each phase; stream what is slow (retrieving, the
 * network part) and announce the other phases once each.
 */
function debootstrapProgress(detail: OnProgress): (line: string) => void {
  const phasesSeen = new Set<string>();
  return (line) => {
    const match = /^([IWE]): (\S+)/.exec(line);
    if (!match) return;
    const [, level, phase = ''] = match;
    if (level !== 'I' || phase === 'Retrieving' || !phasesSeen.has(phase)) detail(line);
    phasesSeen.add(phase);
  };
}

/**
 * The Debian mirror this host's apt already uses (so the lab works wherever the host can
 * install packages), checked to carry the suite. VAXEL_DEBIAN_MIRROR overrides it.
 */
export async function findDebianMirror(): Promise<string> {
  const override = process.env.VAXEL_DEBIAN_MIRROR;
  if (override) return override.replace(/\/+$/, '');
  const candidates = await aptSourceUris();
  for (const uri of candidates) {
    if (await carriesSuite(uri, CHROOT_RECIPE.suite)) return uri;
  }
  throw new LabSetupError(
    `None of the apt sources of this host (${candidates.join(', ') || 'none found in /etc/apt'}) serves Debian ${CHROOT_RECIPE.suite}. ` +
      'Set VAXEL_DEBIAN_MIRROR to a Debian mirror, e.g. the one your network allows, and provision again.',
  );
}

async function carriesSuite(uri: string, suite: string): Promise<boolean> {
  try {
    const response = await fetch(`${uri}/dists/${suite}/Release`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(10_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** http(s) URIs of the host's enabled `deb` sources, security suites left out, in apt's order. */
async function aptSourceUris(): Promise<string[]> {
  const files = ['/etc/apt/sources.list'];
  const partsDir = '/etc/apt/sources.list.d';
  const parts = await readdir(partsDir).catch(() => [] as string[]);
  files.push(
    ...parts
      .filter((name) => name.endsWith('.list') || name.endsWith('.sources'))
      .sort()
      .map((name) => join(partsDir, name)),
  );

  const uris: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    uris.push(...(file.endsWith('.sources') ? parseDeb822Sources(text) : parseOneLineSources(text)));
  }
  return [...new Set(uris.map((uri) => uri.replace(/\/+$/, '')))];
}

const usableSource = (uri: string, suites: string[]) =>
  /^https?:\/\//.test(uri) && !suites.some((suite) => suite.endsWith('-security') || suite.endsWith('/updates'));

/** `deb [options] uri suite components...` lines. */
export function parseOneLineSources(text: string): string[] {
  const uris: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (match?.[1] && match[2] && usableSource(match[1], [match[2]])) uris.push(match[1]);
  }
  return uris;
}

/** deb822 stanzas (`Types: deb`, `URIs:`, `Suites:`, optional `Enabled: no`). */
export function parseDeb822Sources(text: string): string[] {
  const uris: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string[]>();
    for (const line of stanza.split('\n')) {
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match?.[1] && !line.startsWith('#'))
        fields.set(match[1].toLowerCase(), (match[2] ?? '').trim().split(/\s+/).filter(Boolean));
    }
    if (!fields.get('types')?.includes('deb') || fields.get('enabled')?.[0] === 'no') continue;
    const suites = fields.get('suites') ?? [];
    for (const uri of fields.get('uris') ?? []) if (usableSource(uri, suites)) uris.push(uri);
  }
  return uris;
}

/**
 * Deletes a directory tree, first unmounting anything mounted inside it (debootstrap mounts
 * proc and sys into its target and may leave them behind when it fails): `rm -r` through a
 * mounted /proc or /sys would be a disaster.
 */
async function removeTree(dir: string): Promise<void> {
  const real = await realpath(dir).catch(() => undefined);
  if (!real) return;
  const mounted = (await mountPoints()).filter((point) => point === real || point.startsWith(real + sep));
  for (const point of mounted.sort((a, b) => b.length - a.length)) {
    await runTool('umount', ['--lazy', point]);
  }
  await rm(real, { recursive: true, force: true });
}

/** Mount points seen by this process (octal escapes such as \040 for spaces decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => Boolean(point))
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

// ---------------------------------------------------------------------------------------------
// One provisioning at a time

const LOCK_POLL_MS = 1000;

/**
 * A lock file holding the owner's pid. A lock whose owner is gone (crash, kill -9) is taken
 * over; a live owner is waited for, with a line saying so.
 */
async function withLock<T>(lockFile: string, onProgress: OnProgress, work: () => Promise<T>): Promise<T> {
  const token = `${process.pid} ${randomBytes(6).toString('hex')}`;
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(token);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).split(' ')[0]);
    if (!owner || !processIsAlive(owner)) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (!announced) onProgress(`Waiting for another provisioning (pid ${owner}) to finish…`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    return await work();
  } finally {
    // Only our own lock: never one another process took over meanwhile.
    if ((await readFile(lockFile, 'utf8').catch(() => '')) === token) await rm(lockFile, { force: true });
  }
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
