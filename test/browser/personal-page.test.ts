import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { buildTestApp } from '../support/http-app.js';
import { VANNAS } from '../support/municipalities.js';
import { useRedis } from '../support/redis.js';
import { artifactsOf, launchChromium } from './browser-support.js';

/**
 * The personal page (/konsol/#/mig) in Debian's Chromium, as a member of staff uses it: sign in
 * with the extension and its PIN, set a hänvisning, clear it, sign out; each state checked with
 * axe-core, and what the page did read back from the store. No lab needed: the app on a real Redis.
 */
const ctx = useRedis();
const { clear, screenshot, expectAccessible } = artifactsOf('personal');
const VIEWPORT = { viewport: { width: 800, height: 900 }, locale: 'sv-SE', timezoneId: 'Europe/Stockholm' } as const;
const setup = localActor('browser test');

let browser: Browser;
beforeAll(async () => {
  await clear();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Karin Lind of Vännäs, her extension 2460100 with the PIN 4711, the app served, and a page at the personal page. */
async function karinsPage() {
  const t = await buildTestApp(ctx);
  await t.entries.create(
    { kind: 'person', id: 'person-karin', givenName: 'Karin', familyName: 'Lind', municipalityId: VANNAS },
    setup,
  );
  const extension = await t.admin.extensions.create(
    {
      extension: '2460100',
      displayName: 'Karin Lind',
      municipalityId: VANNAS,
      directoryEntryId: 'person-karin',
      password: 'hemligt-lösenord-1',
    },
    setup,
  );
  await t.selfService.pins.set({ id: extension.id, municipalityId: VANNAS }, '4711', setup);
  const server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const page = await browser.newPage(VIEWPORT);
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/konsol/#/mig`);
  await page.getByRole('heading', { name: 'Min hänvisning' }).waitFor();
  const signIn = async (pin: string) => {
    await page.getByLabel('Anknytning').fill('2460100');
    await page.getByLabel('PIN-kod', { exact: true }).fill(pin);
    await page.keyboard.press('Enter');
  };
  const close = async () => {
    await page.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { t, extension, page, signIn, close };
}

describe('the personal page in a browser', () => {
  it(
    'signs in with extension and PIN, sets and clears one’s own hänvisning, and signs out',
    { timeout: 120_000 },
    async () => {
      const { t, page, signIn, close } = await karinsPage();
      try {
        expect(await page.title()).toBe('Min hänvisning – Regionväxeln');

        // A wrong PIN first: said in Swedish, read out (role=alert).
        await signIn('1234');
        await page.getByRole('alert').getByText('Fel anknytning eller PIN-kod.').waitFor();
        await expectAccessible(page, '01-wrong-pin');
        await screenshot(page, '01-wrong-pin');

        await page.getByLabel('PIN-kod', { exact: true }).fill('4711');
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Min hänvisning – Karin Lind' }).waitFor();
        await page.getByText('Ingen hänvisning: du visas som tillgänglig för växeln.').waitFor();
        await expectAccessible(page, '02-signed-in');
        await screenshot(page, '02-signed-in');

        await page.getByLabel('Orsak').selectOption({ label: 'Möte' });
        await page.getByLabel('Text (valfri)').fill('Styrelsemöte');
        await page.getByLabel('Till (valfritt)').fill('2026-12-07T14:00');
        await page.getByRole('button', { name: 'Spara hänvisning' }).click();
        await page.getByRole('status').getByText('Hänvisningen är sparad.').waitFor();
        await page
          .locator('#self-current')
          .getByText(/^Nu: Möte till .*14:00 – Styrelsemöte$/)
          .waitFor();
        expect((await t.entries.get('person-karin'))!.absence).toEqual({
          reason: 'meeting',
          text: 'Styrelsemöte',
          until: '2026-12-07T14:00:00+01:00',
        });
        await expectAccessible(page, '03-absent');
        await screenshot(page, '03-absent');

        await page.getByRole('button', { name: 'Ta bort hänvisningen' }).click();
        await page.getByRole('status').getByText('Hänvisningen är borttagen.').waitFor();
        await page.getByText('Ingen hänvisning: du visas som tillgänglig för växeln.').waitFor();
        expect((await t.entries.get('person-karin'))!.absence).toBeNull();

        const session = await page.evaluate(() => sessionStorage.getItem('regionvaxeln.token'));
        await page.getByRole('button', { name: 'Logga ut' }).click();
        await page.getByLabel('PIN-kod', { exact: true }).waitFor();
        expect(await page.evaluate(() => sessionStorage.getItem('regionvaxeln.token'))).toBeNull();
        expect((await t.call('GET', '/api/v1/self', { auth: session })).status).toBe(401);
      } finally {
        await close();
      }
    },
  );

  it(
    'changes one’s own PIN: a wrong current PIN, a guessable new one and a slip in the repeat are shown at their fields; the new PIN signs in',
    { timeout: 120_000 },
    async () => {
      const { t, extension, page, signIn, close } = await karinsPage();
      try {
        await signIn('4711');
        await page.getByRole('heading', { name: 'Byt PIN-kod' }).waitFor();
        const change = async (current: string, next: string, repeat = next) => {
          await page.getByLabel('Nuvarande PIN-kod').fill(current);
          await page.getByLabel('Ny PIN-kod', { exact: true }).fill(next);
          await page.getByLabel('Ny PIN-kod igen').fill(repeat);
          await page.getByRole('button', { name: 'Byt PIN-kod' }).click();
        };
        const problemAt = async (label: string, text: string) => {
          await page
            .locator('[aria-invalid="true"]')
            .and(page.getByLabel(label, { exact: true }))
            .waitFor();
          await page.getByText(text).waitFor();
        };

        await change('0000', '5830');
        await problemAt('Nuvarande PIN-kod', 'stämmer inte med din nuvarande PIN-kod');
        await expectAccessible(page, '04-pin-wrong-current');
        await screenshot(page, '04-pin-wrong-current');

        await change('4711', '1234');
        await problemAt('Ny PIN-kod', 'får inte vara en sifferföljd som 1234 eller 4321');
        await expectAccessible(page, '05-pin-guessable');

        await change('4711', '5830', '5803');
        await problemAt('Ny PIN-kod igen', 'stämmer inte med den nya PIN-koden');
        expect(await t.selfService.pins.matches(extension.id, '4711')).toBe(true);

        await change('4711', '5830');
        await page
          .getByRole('status')
          .getByText('PIN-koden är bytt. Använd den nya nästa gång du loggar in.')
          .waitFor();
        // Nothing typed stays in the form.
        expect(await page.getByLabel('Ny PIN-kod', { exact: true }).inputValue()).toBe('');
        await expectAccessible(page, '06-pin-changed');
        await screenshot(page, '06-pin-changed');
        expect(await t.selfService.pins.matches(extension.id, '5830')).toBe(true);

        await page.getByRole('button', { name: 'Logga ut' }).click();
        await signIn('4711');
        await page.getByRole('alert').getByText('Fel anknytning eller PIN-kod.').waitFor();
        await page.getByLabel('PIN-kod', { exact: true }).fill('5830');
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Min hänvisning – Karin Lind' }).waitFor();
      } finally {
        await close();
      }
    },
  );
});
