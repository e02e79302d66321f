import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { expect } from 'vitest';
import type { DirectoryEntryInput } from '../../src/directory/entries/entry-schema.js';

/** The console's window: a desktop screen, Swedish, in Stockholm's time. */
export const CONSOLE_VIEW = {
  viewport: { width: 1280, height: 900 },
  locale: 'sv-SE',
  timezoneId: 'Europe/Stockholm',
} as const;

/** The person of Vännäs the console tests search for and transfer to (extension 2460100). */
export const KARIN_LIND: DirectoryEntryInput = {
  kind: 'person',
  municipalityId: '2460',
  givenName: 'Karin',
  familyName: 'Lind',
  title: 'Bygglovshandläggare',
  department: 'Samhällsbyggnad',
  keywords: ['bygglov'],
  extension: '2460100',
};

/** Screenshots and accessibility reports of the browser tests (gitignored). */
export const ARTIFACTS_DIR = resolve(import.meta.dirname, '../../test-artifacts/browser');
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Debian's Chromium (installed by the lab's provisioning), headless, with the flags LAB.md lists.
 * `fakeMedia`: a fake microphone (a beep) for the console's browser phone, allowed without asking;
 * `'asking'`: the page asks, and the context's permissions answer (none given: refused).
 */
export async function launchChromium({ fakeMedia = false }: { fakeMedia?: boolean | 'asking' } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(fakeMedia
        ? [
            '--use-fake-device-for-media-stream',
            ...(fakeMedia === 'asking' ? [] : ['--use-fake-ui-for-media-stream']),
            '--autoplay-policy=no-user-gesture-required',
          ]
        : []),
    ],
  });
}

/** `name` may name a folder too ("admin/01-list"): see artifactsOf. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(dirname(join(ARTIFACTS_DIR, name)), { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

type AxeResult = { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is, keeps the report as an
 * artifact, and fails on any serious or critical violation, naming rule and elements.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Evaluated rather than added as a <script>: the pages' Content-Security-Policy allows no inline script.
  await page.evaluate(await readFile(AXE_SCRIPT, 'utf8'));
  const result = await page.evaluate(() =>
    (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<AxeResult> } }).axe.run(
      document,
      { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } },
    ),
  );
  await mkdir(dirname(join(ARTIFACTS_DIR, name)), { recursive: true });
  await writeFile(join(ARTIFACTS_DIR, `${name}.axe.json`), JSON.stringify(result.violations, null, 2));
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

/** Signs in on the console's first page with an API token, as a person would: type and Enter. */
export async function signIn(page: Page, baseUrl: string, token: string, hash = '#/telefonist'): Promise<void> {
  await page.goto(`${baseUrl}/konsol/${hash}`);
  await page.getByLabel('API-nyckel').fill(token);
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: 'Väggtavla' }).waitFor();
}

/**
 * One test file's artifacts, in its own folder of ARTIFACTS_DIR: `clear()` (in beforeAll) empties
 * that folder only, so files running in parallel keep each other's screenshots and reports.
 */
export function artifactsOf(folder: string) {
  return {
    clear: () => rm(join(ARTIFACTS_DIR, folder), { recursive: true, force: true }),
    screenshot: (page: Page, name: string) => screenshot(page, `${folder}/${name}`),
    expectAccessible: (page: Page, name: string) => expectAccessible(page, `${folder}/${name}`),
  };
}
