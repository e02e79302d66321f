import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import type { DirectoryEntry } from '../../src/directory/entries/entry-schema.js';
import { startLabSwitchboard } from '../support/lab-switchboard.js';
import { artifactsOf, launchChromium, signIn, KARIN_LIND, CONSOLE_VIEW } from './browser-support.js';

/**
 * The admin pages in Debian's Chromium against a lab switchboard, as a municipality's IT staff
 * use them: every change is made through the page and read back from Redis (the stores, or the
 * API). axe-core checks each new state; screenshots and reports go to test-artifacts/browser/admin/.
 */

const { clear, screenshot, expectAccessible } = artifactsOf('admin');
const actor = localActor('browser test');

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let browser: Browser;
let page: Page;
let adminToken: string;
let karin: DirectoryEntry;

beforeAll(async () => {
  await clear();
  [lab, browser] = await Promise.all([startLabSwitchboard(), launchChromium()]);
  const { tokens, entries, admin } = lab.switchboard;
  adminToken = (await tokens.create({ name: 'IT Vännäs', role: 'municipality-admin', municipalityId: '2460' }, actor))
    .token;
  karin = await entries.create(KARIN_LIND, actor);
  await admin.extensions.create(
    { municipalityId: '2460', extension: '2460100', displayName: 'Karin Lind', password: 'hemligt-lösenord-1' },
    actor,
  );
  page = await newAdminPage(adminToken);
});
afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

async function newAdminPage(token: string): Promise<Page> {
  const tab = await browser.newPage(CONSOLE_VIEW);
  await signIn(tab, lab.switchboard.url, token, '#/admin');
  await tab.getByRole('heading', { name: /^Administration – / }).waitFor();
  return tab;
}

/** The API as the municipality admin, to read back what the page stored. */
async function apiGet<T>(path: string): Promise<T> {
  const response = await fetch(`${lab.switchboard.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const focusedId = (tab: Page) => tab.evaluate(() => document.activeElement?.id);
const stored = async () => (await lab.switchboard.entries.get(karin.id))!;

describe.sequential('admin pages of a municipality admin', () => {
  it('shows only their municipality, and their wallboard without the queues', async () => {
    await page.getByRole('heading', { name: 'Administration – Vännäs' }).waitFor();
    expect(await page.getByLabel('Kommun', { exact: true }).count()).toBe(0);
    await page.locator('#entries-list').getByRole('cell', { name: 'Karin Lind', exact: true }).waitFor();
    await expectAccessible(page, '01-admin');
    await screenshot(page, '01-admin');
    await page.getByRole('link', { name: 'Väggtavla' }).click();
    await page.locator('[data-municipality="2460"] [data-figure="answered"]').waitFor();
    expect(await page.locator('.wall-card').count()).toBe(1);
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.locator('#entries-list').getByRole('cell', { name: 'Karin Lind', exact: true }).waitFor();
  });

  it('edits an entry: a bad field is named in Swedish beside it, the corrected entry is stored', async () => {
    await page.getByRole('button', { name: 'Ändra Karin Lind' }).click();
    const form = page.getByRole('form', { name: 'Ändra Karin Lind' });
    await form.waitFor();
    expect(await focusedId(page)).toBe('entry-edit-kind');
    await form.getByLabel('Titel (valfri)').fill('Bygglovschef');
    await form.getByLabel('Anknytning (valfri)').fill('24x');
    await form.getByRole('button', { name: 'Spara ändringarna' }).click();

    const problem = page.locator('#entry-edit-extension-problem');
    await expect.poll(() => problem.textContent()).toBe('ska vara 2–8 siffror');
    expect(await focusedId(page)).toBe('entry-edit-extension');
    expect(await form.getByLabel('Anknytning (valfri)').getAttribute('aria-describedby')).toContain(
      'entry-edit-extension-problem',
    );
    expect((await stored()).version).toBe(karin.version);
    await expectAccessible(page, '02-entry-field-problem');
    await screenshot(page, '02-entry-field-problem');

    await form.getByLabel('Anknytning (valfri)').fill('2460100');
    await form.getByLabel('Sökord (valfria)').fill('bygglov, strandskydd');
    await form.getByRole('button', { name: 'Spara ändringarna' }).click();
    await page.getByText('Karin Lind sparad').waitFor();
    expect(await stored()).toMatchObject({
      title: 'Bygglovschef',
      keywords: ['bygglov', 'strandskydd'],
      extension: '2460100',
      version: karin.version + 1,
    });
    // The focus goes back to the button that opened the form.
    await expect.poll(() => focusedId(page)).toBe(`entry-edit-${karin.id}`);
  });

  it('two tabs change the same entry: the second is told in Swedish, keeps what it typed, and overwrites nothing', async () => {
    const second = await newAdminPage(adminToken);
    for (const tab of [page, second]) await tab.getByRole('button', { name: 'Ändra Karin Lind' }).click();
    // The last test's "sparad" is gone once a form is open again: it cannot stand for this save.
    await expect.poll(() => page.getByText('Karin Lind sparad').count()).toBe(0);
    const title = (tab: Page) => tab.getByRole('form', { name: 'Ändra Karin Lind' }).getByLabel('Titel (valfri)');
    await title(page).fill('Enhetschef bygglov');
    await title(second).fill('Stadsarkitekt');
    await second.getByLabel('Avdelning (valfri)').fill('Plan och bygg');

    await page.getByRole('button', { name: 'Spara ändringarna' }).click();
    await page.getByText('Karin Lind sparad').waitFor();
    const afterFirst = await stored();
    expect(afterFirst.title).toBe('Enhetschef bygglov');

    await second.getByRole('button', { name: 'Spara ändringarna' }).click();
    const alert = second.getByRole('alert').filter({ hasText: 'Någon annan har ändrat posten medan du arbetade' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('inget har sparats');
    expect(await stored()).toEqual(afterFirst);
    // What the second tab typed is still there, with what the first stored shown beneath.
    expect(await title(second).inputValue()).toBe('Stadsarkitekt');
    expect(await second.locator('#entry-edit-title-theirs').textContent()).toBe(
      'Sparat av någon annan: Enhetschef bygglov',
    );
    expect(await second.getByLabel('Avdelning (valfri)').inputValue()).toBe('Plan och bygg');
    expect(await focusedId(second)).toBe('entry-edit-alert');
    await expectAccessible(second, '03-entry-changed-meanwhile');
    await screenshot(second, '03-entry-changed-meanwhile');

    // Saving again applies the second tab's values to the new version, knowingly.
    await second.getByRole('button', { name: 'Spara ändringarna' }).click();
    await second.getByText('Karin Lind sparad').waitFor();
    expect(await stored()).toMatchObject({
      title: 'Stadsarkitekt',
      department: 'Plan och bygg',
      version: afterFirst.version + 1,
    });
    await second.close();
  });

  it('creates a department, and removes it after asking', async () => {
    const form = page.getByRole('form', { name: 'Ny post i katalogen' });
    await form.getByLabel('Slag').selectOption('department');
    await form.getByLabel('Namn', { exact: true }).fill('Socialtjänsten');
    await form.getByLabel('Sökord (valfria)').fill('försörjningsstöd, orosanmälan');
    await form.getByLabel('Telefonnummer (valfria)').fill('0935-142 00');
    await form.getByRole('button', { name: 'Lägg till i katalogen' }).click();
    await page.getByText('Socialtjänsten tillagd i katalogen').waitFor();
    const { entries } = await lab.switchboard.entries.list('2460');
    const department = entries.find((e) => e.name === 'Socialtjänsten');
    expect(department).toMatchObject({
      kind: 'department',
      keywords: ['försörjningsstöd', 'orosanmälan'],
      phoneNumbers: ['+4693514200'],
    });
    await page.getByRole('cell', { name: 'Avdelning', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Ta bort Socialtjänsten ur katalogen' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ta bort Socialtjänsten ur katalogen?' });
    await dialog.waitFor();
    // Avbryt has the focus, so a hasty Enter removes nothing.
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    expect(await lab.switchboard.entries.get(department!.id)).toBeDefined();
    await page.getByRole('button', { name: 'Ta bort Socialtjänsten ur katalogen' }).click();
    await expectAccessible(page, '04-confirm-removal');
    await screenshot(page, '04-confirm-removal');
    await dialog.getByRole('button', { name: 'Ta bort' }).click();
    await page.getByText('Socialtjänsten borttagen ur katalogen').waitFor();
    expect(await lab.switchboard.entries.get(department!.id)).toBeUndefined();
    await expect.poll(() => focusedId(page)).toBe('entries-heading');
  });

  it('sets and clears a hänvisning', async () => {
    await page.getByRole('button', { name: 'Ändra hänvisning för Karin Lind' }).click();
    const form = page.getByRole('form', { name: 'Hänvisning för Karin Lind' });
    await form.getByLabel('Orsak').selectOption('meeting');
    await form.getByLabel('Text (valfri)').fill('Sammanträde');
    await form.getByLabel('Till (valfritt)').fill('2026-12-02T14:00');
    await expectAccessible(page, '05-absence-form');
    await form.getByRole('button', { name: 'Spara hänvisning' }).click();
    await page.getByText('Hänvisning satt för Karin Lind').waitFor();
    expect((await stored()).absence).toEqual({
      reason: 'meeting',
      text: 'Sammanträde',
      until: '2026-12-02T14:00:00+01:00',
    });
    await page.getByRole('cell', { name: /^Möte till .* – Sammanträde$/ }).waitFor();

    await page.getByRole('button', { name: 'Ta bort hänvisningen för Karin Lind' }).click();
    await page.getByText('Karin Lind är tillgänglig').waitFor();
    expect((await stored()).absence).toBeNull();
  });

  it('edits an extension’s display name; the SIP password stays as it was', async () => {
    const { extensions } = lab.switchboard.admin;
    const before = await lab.switchboard.admin.extensions.sipCredentials('2460100');
    await page.getByRole('button', { name: 'Ändra anknytning 2460100' }).click();
    const form = page.getByRole('form', { name: 'Ändra anknytning 2460100' });
    await form.getByLabel('Namn', { exact: true }).fill('Karin Lind, bygglov');
    await form.getByLabel('Direktnummer (valfritt)').fill('090-16 10 01');
    await form.getByRole('button', { name: 'Spara ändringarna' }).click();
    await expect
      .poll(() => page.locator('#extension-edit-directNumber-problem').textContent())
      .toMatch(/^090-16 10 01 ligger inte i Vännäs direktnummerserier/);
    await expectAccessible(page, '06-extension-field-problem');
    await screenshot(page, '06-extension-field-problem');

    await form.getByLabel('Direktnummer (valfritt)').fill('0935-141 23');
    await form.getByRole('button', { name: 'Spara ändringarna' }).click();
    await page.getByText('Anknytning 2460100 sparad').waitFor();
    const id = (await extensions.list({ municipalityId: '2460', limit: 10 })).items.find(
      (x) => x.doc.extension === '2460100',
    )!.id;
    expect(await extensions.get(id)).toMatchObject({
      version: 2,
      doc: { displayName: 'Karin Lind, bygglov', directNumber: '+4693514123' },
    });
    expect(await extensions.sipCredentials('2460100')).toEqual(before);
    await page.getByRole('cell', { name: 'Karin Lind, bygglov' }).waitFor();
  });

  it('edits the weekly hours and adds, then changes, an exception: the routing simulator agrees', async () => {
    const simulate = (at: string) =>
      apiGet<{ meets: string; opening: { open: boolean; rule: string; exception?: { reason: string } } }>(
        `/routing/simulate?${new URLSearchParams({ number: '0935-141 00', at })}`,
      );
    const mondayEvening = '2026-11-30T17:30:00+01:00';
    expect((await simulate(mondayEvening)).opening).toMatchObject({ open: false, rule: 'outside-hours' });

    const weekly = page.getByRole('form', { name: 'Veckans öppettider' });
    await weekly.getByLabel('Måndag').fill('07:00-12:00, 13:00-18:00');
    await weekly.getByLabel('Tisdag').fill('8-16');
    await weekly.getByRole('button', { name: 'Spara öppettider' }).click();
    await expect
      .poll(() => page.locator('#hours-weekly-tuesday-problem').textContent())
      .toContain('ska skrivas som 08:00-16:30 (flera med kommatecken emellan)');
    await expectAccessible(page, '07-hours-field-problem');
    await weekly.getByLabel('Tisdag').fill('08:00-16:30');
    await weekly.getByRole('button', { name: 'Spara öppettider' }).click();
    await page.getByText('Öppettiderna sparade').waitFor();
    expect((await apiGet<{ weekly: Record<string, string[]> }>('/opening-hours/2460')).weekly).toMatchObject({
      monday: ['07:00-12:00', '13:00-18:00'],
      tuesday: ['08:00-16:30'],
    });
    expect(await simulate(mondayEvening)).toMatchObject({ meets: 'queue', opening: { open: true, rule: 'weekly' } });

    const exception = page.getByRole('form', { name: 'Nytt undantag' });
    await exception.getByLabel('Från').fill('2026-12-28T00:00');
    await exception.getByLabel('Till').fill('2026-12-29T00:00');
    await exception.getByLabel('Slag').selectOption('closed');
    await exception.getByLabel('Anledning').fill('Personaldag');
    await exception.getByRole('button', { name: 'Lägg till undantag' }).click();
    await page.getByText('Undantaget Personaldag tillagt').waitFor();
    expect(await simulate('2026-12-28T10:00:00+01:00')).toMatchObject({
      meets: 'closed-message',
      opening: { open: false, rule: 'exception', exception: { reason: 'Personaldag' } },
    });

    await page.getByRole('button', { name: 'Ändra undantaget Personaldag' }).click();
    const change = page.getByRole('form', { name: 'Ändra undantaget Personaldag' });
    await change.getByLabel('Slag').selectOption('reduced');
    await change.getByLabel('Tider (ej för stängt)').fill('10:00-12:00');
    await change.getByLabel('Anledning').fill('Personaldag, öppet på förmiddagen');
    await expectAccessible(page, '08-exception-form');
    await screenshot(page, '08-exception-form');
    await change.getByRole('button', { name: 'Spara ändringarna' }).click();
    await page.getByText('Undantaget Personaldag, öppet på förmiddagen sparat').waitFor();
    expect(await simulate('2026-12-28T11:00:00+01:00')).toMatchObject({
      meets: 'queue',
      opening: { open: true, rule: 'exception' },
    });
    expect(await simulate('2026-12-28T13:00:00+01:00')).toMatchObject({
      meets: 'closed-message',
      opening: { open: false, rule: 'exception' },
    });
  });

  it('sets the manual override and takes it away', async () => {
    const simulate = () =>
      apiGet<{ opening: { open: boolean; rule: string } }>(
        `/routing/simulate?${new URLSearchParams({ number: '0935-141 00', at: '2026-11-30T10:00:00+01:00' })}`,
      );
    const override = page.getByRole('form', { name: 'Manuellt läge' });
    await override.getByLabel('Läge').selectOption('closed');
    await override.getByLabel('Till').fill('2026-12-01T08:00');
    await override.getByRole('button', { name: 'Sätt manuellt läge' }).click();
    await page
      .getByText(/^Manuellt stängt till/)
      .first()
      .waitFor();
    expect((await simulate()).opening).toMatchObject({ open: false, rule: 'override' });
    await page.getByRole('button', { name: 'Ta bort manuellt läge' }).click();
    await page.getByText('Manuellt läge borttaget').waitFor();
    expect((await simulate()).opening).toMatchObject({ open: true, rule: 'weekly' });
  });

  it('imports a CSV file: the check lists bad rows in Swedish, the import shows its progress and counts, and the rows are then in the directory', async () => {
    const file = page.getByLabel('Fil (CSV, UTF-8)');
    const bad = 'kind;givenName;familyName;phoneNumbers\nperson;Per;Ek;0935-141 23\nperson;Eva;;12\n';
    await file.setInputFiles({ name: 'katalog.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Kontrollera' }).click();
    const problems = page.getByRole('table', { name: 'Problem per rad' });
    await problems.waitFor();
    expect(await problems.textContent()).toContain('”12” är inget giltigt telefonnummer');
    expect(await problems.locator('tbody td').first().textContent()).toBe('3');
    expect(await page.getByRole('button', { name: 'Importera' }).isDisabled()).toBe(true);
    await expectAccessible(page, '09-import-problems');

    const good =
      'kind;givenName;familyName;name;title;keywords\nperson;Per;Ek;;Vaktmästare;fastighet\nperson;Eva;Strand;;Nämndsekreterare;\nfunction;;;Färdtjänst;;resor|färdtjänst\n';
    await file.setInputFiles({ name: 'katalog.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: 'Kontrollera' }).click();
    await page.getByText('Filen är i ordning. Om du importerar den blir det 3 rader: 3 nya').waitFor();

    // The real import is held back at the browser's edge until the progress bar has been seen.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/directory\/entries\/import\?.*dryRun=false/, async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Importera' }).click();
    const progress = page.getByRole('progressbar');
    await progress.waitFor();
    expect(await progress.evaluate((bar) => (bar as HTMLProgressElement).labels?.[0]?.textContent)).toMatch(
      /^(Skickar filen|Växeln kontrollerar och sparar raderna)$/,
    );
    await expectAccessible(page, '10-import-progress');
    await screenshot(page, '10-import-progress');
    release();

    await page.getByText('Importen är klar: 3 rader: 3 nya, 0 ändrade, 0 oförändrade, 0 borttagna.').waitFor();
    expect(await progress.count()).toBe(0);
    const names = (await lab.switchboard.entries.list('2460')).entries.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Per Ek', 'Eva Strand', 'Färdtjänst']));
    for (const name of ['Per Ek', 'Eva Strand', 'Färdtjänst'])
      await page.getByRole('cell', { name, exact: true }).waitFor();
    await screenshot(page, '11-imported');
    await page.unroute(/\/directory\/entries\/import/);
  });
});

describe.sequential('admin lists longer than a page', () => {
  it('a region admin chooses Umeå and pages through its 520 entries with Visa fler; the search box finds one', async () => {
    const rows = Array.from({ length: 520 }, (_, i) => ({
      kind: 'person' as const,
      municipalityId: '2480',
      givenName: 'Test',
      familyName: `Nummer ${String(i).padStart(3, '0')}`,
      keywords: i === 417 ? ['sidfotsprov'] : [],
    }));
    await lab.switchboard.entries.bulkUpsert('2480', rows, actor);
    const { token } = await lab.switchboard.tokens.create({ name: 'Regionens IT', role: 'region-admin' }, actor);
    const region = await newAdminPage(token);
    await region.getByLabel('Kommun', { exact: true }).selectOption({ label: 'Umeå' });
    await region.getByRole('heading', { name: 'Administration – Umeå' }).waitFor();
    const footer = region.locator('#entries-list + .list-footer [role="status"]');
    await expect.poll(() => footer.textContent()).toBe('Poster: 100 visas, det finns fler.');

    const more = region.locator('#entries-list + .list-footer').getByRole('button', { name: 'Visa fler' });
    await more.click();
    await expect.poll(() => footer.textContent()).toBe('Poster: 200 visas, det finns fler.');
    // The focus goes to the first new row.
    expect(await region.evaluate(() => document.activeElement?.closest('tr')?.dataset['row'])).toBe('100');
    for (const shownNow of [
      'Poster: 300 visas, det finns fler.',
      'Poster: 400 visas, det finns fler.',
      'Poster: 500 visas, det finns fler.',
      'Poster: 520 (alla).',
    ]) {
      await more.click();
      await expect.poll(() => footer.textContent()).toBe(shownNow);
    }
    expect(await more.count()).toBe(0);
    const shown = await region.locator('#entries-list tbody tr td:first-child').allTextContents();
    expect(new Set(shown)).toEqual(new Set(rows.map((r) => `Test ${r.familyName}`)));
    await expectAccessible(region, '12-all-pages');

    await region.getByLabel('Sök i katalogen').fill('sidfotsprov');
    await expect
      .poll(() => region.locator('#entries-list tbody tr').allTextContents())
      .toEqual([expect.stringContaining('Test Nummer 417')]);
    expect(await more.count()).toBe(0);
    await expectAccessible(region, '13-filtered');
    await screenshot(region, '13-filtered');
    await region.close();
  });
});
