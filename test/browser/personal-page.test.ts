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

describe('the personal page in a browser', () => {
  it(
    'signs in with extension and PIN, sets and clears one’s own hänvisning, and signs out',
    { timeout: 120_000 },
    async () => {
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
      try {
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/konsol/#/mig`);
        await page.getByRole('heading', { name: 'Min hänvisning' }).waitFor();
        expect(await page.title()).toBe('Min hänvisning – Regionväxeln');

        // A wrong PIN first: said in Swedish, read out (role=alert).
        await page.getByLabel('Anknytning').fill('2460100');
        await page.getByLabel('PIN-kod').fill('1234');
        await page.keyboard.press('Enter');
        await page.getByRole('alert').getByText('Fel anknytning eller PIN-kod.').waitFor();
        await expectAccessible(page, '01-wrong-pin');
        await screenshot(page, '01-wrong-pin');

        await page.getByLabel('PIN-kod').fill('4711');
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
        await page.getByLabel('PIN-kod').waitFor();
        expect(await page.evaluate(() => sessionStorage.getItem('regionvaxeln.token'))).toBeNull();
        expect((await t.call('GET', '/api/v1/self', { auth: session })).status).toBe(401);
      } finally {
        await page.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  );
});
