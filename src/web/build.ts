import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The console's sources (this folder) and where Vite writes the built assets (gitignored). */
export const WEB_SOURCE_DIR = resolve(import.meta.dirname);
export const WEB_BUILD_DIR = resolve(import.meta.dirname, '../../dist/web');

/**
 * Builds the web console with Vite's JS API unless the built assets are newer than every source
 * file. Run by `npm start` and by the tests' global setup, so a fresh clone needs no build step.
 */
export async function ensureWebBuilt(onProgress: (line: string) => void = () => undefined): Promise<void> {
  if ((await builtAt()) > (await newestSource(WEB_SOURCE_DIR))) return;
  onProgress('Building the web console (Vite)');
  // Imported here: Vite and the Preact preset are dev tools, loaded only when a build is due.
  const [{ build }, { default: preact }] = await Promise.all([import('vite'), import('@preact/preset-vite')]);
  await build({
    root: WEB_SOURCE_DIR,
    base: '/konsol/',
    configFile: false,
    logLevel: 'warn',
    plugins: [preact()],
    build: { outDir: WEB_BUILD_DIR, emptyOutDir: true },
  });
}

async function builtAt(): Promise<number> {
  try {
    return (await stat(join(WEB_BUILD_DIR, 'index.html'))).mtimeMs;
  } catch {
    return 0;
  }
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}
