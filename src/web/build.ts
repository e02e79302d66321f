import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Rollup } from 'vite';

/** The console's sources (this folder) and where Vite writes the built assets (gitignored). */
export const WEB_SOURCE_DIR = resolve(import.meta.dirname);
export const WEB_BUILD_DIR = resolve(import.meta.dirname, '../../dist/web');
/** Every file the last build read, this folder's and those it imports from elsewhere in src/ (shared constants); beside the served folder, not in it. */
const SOURCES_FILE = resolve(import.meta.dirname, '../../dist/web-sources.json');

/**
 * Builds the web console with Vite's JS API unless the built assets are newer than every source
 * file: this folder's, and every file the last build bundled from elsewhere. Run by `npm start`
 * and by the tests' global setup, so a fresh clone needs no build step.
 */
export async function ensureWebBuilt(onProgress: (line: string) => void = () => undefined): Promise<void> {
  if ((await builtAt()) > Math.max(await newestSource(WEB_SOURCE_DIR), await newestOf(await lastSources()))) return;
  onProgress('Building the web console (Vite)');
  // Imported here: Vite and the Preact preset are dev tools, loaded only when a build is due.
  const [{ build }, { default: preact }] = await Promise.all([import('vite'), import('@preact/preset-vite')]);
  const result = (await build({
    root: WEB_SOURCE_DIR,
    base: '/konsol/',
    configFile: false,
    logLevel: 'warn',
    plugins: [preact()],
    build: { outDir: WEB_BUILD_DIR, emptyOutDir: true },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const bundled = (Array.isArray(result) ? result : [result]).flatMap((r) =>
    r.output.flatMap((chunk) => (chunk.type === 'chunk' ? Object.keys(chunk.modules) : [])),
  );
  await writeFile(
    SOURCES_FILE,
    JSON.stringify(bundled.filter((file) => file.startsWith('/') && !file.includes('/node_modules/'))),
  );
}

async function builtAt(): Promise<number> {
  try {
    return (await stat(join(WEB_BUILD_DIR, 'index.html'))).mtimeMs;
  } catch {
    return 0;
  }
}

async function lastSources(): Promise<string[]> {
  return readFile(SOURCES_FILE, 'utf8').then(
    (text) => JSON.parse(text) as string[],
    () => [],
  );
}

/** The newest modification time of these files; a file gone counts as changed now. */
async function newestOf(files: string[]): Promise<number> {
  const times = await Promise.all(
    files.map((file) =>
      stat(file).then(
        (s) => s.mtimeMs,
        () => Date.now(),
      ),
    ),
  );
  return Math.max(0, ...times);
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}
