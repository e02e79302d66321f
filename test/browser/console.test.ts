import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { controlHelpers } from '../e2e/call-control-support.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { artifactsOf, launchChromium, signIn, KARIN_LIND, CONSOLE_VIEW } from './browser-support.js';

/**
 * The web console in Debian's Chromium against a whole lab switchboard (Asterisk, Redis, SIPp):
 * a citizen's call shows up, the operator answers it with the keyboard, their SIPp phone rings
 * and is bridged, a transfer found through the directory search reaches a SIPp extension, and
 * the wallboard counts the call. Every page is checked with axe-core; screenshots of each step
 * are kept in test-artifacts/browser/console/. The admin pages have their own file (admin-pages.test.ts).
 */

const { clear, screenshot, expectAccessible } = artifactsOf('console');

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
let browser: Browser;
let page: Page;
let operatorToken: string;

beforeAll(async () => {
  // The artifacts are this run's only (this file's folder: other files run in parallel).
  await clear();
  [lab, browser] = await Promise.all([startLabSwitchboard({ ringSeconds: 10 }), launchChromium()]);
  h = controlHelpers(lab);
  const tokens = lab.switchboard.tokens;
  operatorToken = (await tokens.create({ name: 'Anna Telefonist', role: 'operator' }, localActor('browser test')))
    .token;
  await lab.switchboard.entries.create(KARIN_LIND, localActor('browser test'));
  page = await browser.newPage({
    ...CONSOLE_VIEW,
  });
});
afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

describe.sequential('operator console with a real call', () => {
  let callId: string;
  let caller: Awaited<ReturnType<typeof h.caller>>;
  let operatorPhone: Awaited<ReturnType<typeof h.answeringPhone>>;

  it('signs in with a token and logs in to the switchboard with a phone', async () => {
    await page.goto(`${lab.switchboard.url}/konsol/`);
    await expectAccessible(page, '01-sign-in');
    await screenshot(page, '01-sign-in');
    await signIn(page, lab.switchboard.url, operatorToken);

    operatorPhone = await h.answeringPhone(1);
    await page.getByLabel('Telefonens SIP-adress').fill(`sip:operator@127.0.0.1:${operatorPhone.localPort}`);
    await page.getByLabel('Vännäs').check();
    await page.getByLabel('Umeå').check();
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.getByText('Anna Telefonist').waitFor();
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('Redo');
    await expectAccessible(page, '02-operator-ready');
    await screenshot(page, '02-operator-ready');
  });

  it('a SIPp call to Vännäs shows in the console within 1 s of arriving', async () => {
    caller = await h.caller('093514100', 30_000);
    const waiting = await h.firstWaiting('2460');
    callId = waiting.callId;
    const row = page.locator(`tr[data-call-id="${callId}"]`);
    await row.waitFor({ timeout: 5_000 });
    // Measured in the browser's own clock against the switchboard's arrival time (same machine).
    const shownAt = await page.evaluate(() => Date.now());
    const { enqueuedAt } = await h.record(callId);
    expect(shownAt - enqueuedAt).toBeLessThan(1_000);
    expect(await row.textContent()).toContain('Vännäs');
    await screenshot(page, '03-call-waiting');
  });

  it('the operator answers with Alt+N; the SIPp operator phone receives the call and is bridged', async () => {
    await page.keyboard.press('Alt+KeyN');
    await h.callWhere(callId, 'answered', (c) => c.state === 'answered');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    const call = page.getByRole('region', { name: /Samtal till Vännäs/ });
    await call.waitFor();
    await expect.poll(() => call.textContent()).toContain('Vännäs kommun');
    expect(await call.locator('.timer').textContent()).toMatch(/^\d:\d\d$/);
    await expectAccessible(page, '04-call-answered');
    await screenshot(page, '04-call-answered');
  });

  it('Alt+K opens the directory search; Enter on a hit transfers to the SIPp extension', async () => {
    const extensionPhone = await h.answeringPhone(1, 3_000);
    await h.bindExtension('2460100', extensionPhone.localPort);
    await searchAfter('Alt+KeyK', 'bygglov');
    const hit = page.getByRole('option', { name: /Karin Lind/ });
    await hit.waitFor();
    expect(await hit.textContent()).toContain('Tillgänglig');
    await expectAccessible(page, '05-transfer-search');
    await screenshot(page, '05-transfer-search');
    await page.keyboard.press('Enter');

    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    expect(await h.record(callId)).toMatchObject({ control: 'transferred', transferTarget: '2460100' });
    await page.getByText('Inget samtal just nu.').waitFor();
    await screenshot(page, '06-transferred');
    // The extension hangs up after 3 s of talk: the call ends, answered.
    await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    expect((await extensionPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('the wallboard counts the answered call for Vännäs', async () => {
    await page.getByRole('link', { name: 'Väggtavla' }).click();
    const vannas = page.locator('[data-municipality="2460"]');
    const figure = (name: string) => vannas.locator(`[data-figure="${name}"]`).textContent();
    await expect.poll(() => figure('answered')).toBe('1');
    expect(await figure('waiting')).toBe('0');
    expect(await figure('service-level')).toBe('100 %');
    expect(await vannas.getByRole('img').getAttribute('aria-label')).toMatch(
      /Samtal per timme i Vännäs\. kl \d\d: 1 samtal, 1 besvarade/,
    );
    await expectAccessible(page, '07-wallboard');
    await screenshot(page, '07-wallboard');
  });
});

/** Presses a shortcut that opens a directory search, waits until the search has the focus, and types. */
async function searchAfter(shortcut: string, text: string) {
  await page.keyboard.press(shortcut);
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('combobox');
  await page.keyboard.type(text);
}

/**
 * The operator logs in again with a fresh SIPp phone (taking `calls` calls), a citizen calls
 * Vännäs, and Alt+N answers: the call is bridged with the phone.
 */
async function answeredWithNewPhone(calls: number) {
  await page.getByRole('link', { name: 'Telefonist' }).click();
  const phone = await h.answeringPhone(calls);
  await fetch(`${lab.switchboard.url}/api/v1/operator/session`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  await page.getByLabel('Telefonens SIP-adress').fill(`sip:operator@127.0.0.1:${phone.localPort}`);
  await page.getByLabel('Vännäs').check();
  await page.getByLabel('Telefonens SIP-adress').press('Enter');
  await page.getByText('Anna Telefonist').waitFor();
  const caller = await h.caller('093514100', 30_000);
  const { callId } = await h.firstWaiting('2460');
  await page.locator(`tr[data-call-id="${callId}"]`).waitFor();
  await page.keyboard.press('Alt+KeyN');
  await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
  await page.getByRole('region', { name: /Samtal till Vännäs/ }).waitFor();
  return { phone, caller, callId };
}

describe.sequential('message, hold, park, retrieve and hang up from the keyboard', () => {
  it('Alt+M takes a message, Alt+H holds and takes back, Alt+P parks, Enter on Hämta retrieves to the operator’s phone, Alt+L hangs up', async () => {
    const { phone, caller, callId } = await answeredWithNewPhone(2);

    // A message for Karin, found in the directory, without leaving the keyboard.
    await searchAfter('Alt+KeyM', 'karin');
    await page.getByRole('option', { name: /Karin Lind/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByLabel('Meddelande', { exact: true }).fill('Ring tillbaka om bygglovet');
    await expectAccessible(page, '08-message-form');
    await page.getByLabel('Meddelande', { exact: true }).press('Control+Enter');
    await page.getByText('Meddelandet sparat').waitFor();
    const messages = await lab.api<{ messages: { text: string; callerNumber: string; callId: string }[] }>(
      'GET',
      '/api/v1/messages?municipality=2460',
    );
    expect(messages.body.messages[0]).toMatchObject({ text: 'Ring tillbaka om bygglovet', callId });

    await page.keyboard.press('Alt+KeyH');
    await h.bridgeWith(`${callId}-hold`, [callId]);
    await page.getByRole('button', { name: 'Återta från vänteläge' }).waitFor();
    await page.keyboard.press('Alt+KeyH');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);

    await page.keyboard.press('Alt+KeyP');
    await h.callWhere(callId, 'parked', (c) => c.control === 'parked');
    const retrieve = page.getByRole('button', { name: 'Hämta' });
    await retrieve.waitFor();
    await screenshot(page, '09-parked');

    await retrieve.focus();
    await page.keyboard.press('Enter');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op2`]);
    await page.getByRole('region', { name: /Samtal till Vännäs/ }).waitFor();
    await page.keyboard.press('Alt+KeyL');
    expect(await h.callWhere(callId, 'ended', (c) => c.state === 'ended')).toMatchObject({ outcome: 'answered' });
    await page.getByText('Inget samtal just nu.').waitFor();
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await phone.done).stats).toMatchObject({ successful: 2, failed: 0 });
  });
});

describe.sequential('attended transfer from the keyboard', () => {
  it('Shift+Enter on a hit rings the extension while the caller waits; Slutför koppling bridges them', async () => {
    const { phone, caller, callId } = await answeredWithNewPhone(1);
    const extensionPhone = await h.answeringPhone(1, 4_000);
    await h.bindExtension('2460100', extensionPhone.localPort);
    await searchAfter('Alt+KeyK', 'bygglov');
    await page.getByRole('option', { name: /Karin Lind/ }).waitFor();
    await page.keyboard.press('Shift+Enter');

    await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`, `${callId}-xfer1`]);
    await h.bridgeWith(`${callId}-hold`, [callId]);
    const complete = page.getByRole('button', { name: 'Slutför koppling' });
    await complete.waitFor();
    await screenshot(page, '10-consulting');
    await complete.focus();
    await page.keyboard.press('Enter');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    expect(await h.record(callId)).toMatchObject({ control: 'transferred', transferMode: 'attended' });
    await page.getByText('Inget samtal just nu.').waitFor();
    await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    for (const sipp of [phone, caller, extensionPhone])
      expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });
});

describe.sequential('live updates after a network drop', () => {
  it('says the view is stale, reconnects with ?since= and shows what happened meanwhile', async () => {
    // Every events socket goes through here; from the second on, the "network" is down until released.
    const sockets: WebSocketRoute[] = [];
    let release = () => {};
    const networkBack = new Promise<void>((resolve) => (release = resolve));
    let liveOnFirst = false;
    await page.routeWebSocket(/\/api\/v1\/events/, async (socket) => {
      sockets.push(socket);
      const first = sockets.length === 1;
      if (!first) await networkBack;
      // Forwarded by hand, to know when the first socket has told the console where the stream is.
      const server = socket.connectToServer();
      server.onMessage((message) => {
        if (first && String(message).includes('"type":"live"')) liveOnFirst = true;
        socket.send(message);
      });
    });
    // Reloaded, the page opens its events socket anew, through the route.
    await page.reload();
    await page.getByText('Anna Telefonist').waitFor();
    await eventually(async () => sockets[0], { what: 'the console’s events socket' });
    await eventually(async () => liveOnFirst || undefined, { what: 'the first socket’s live message' });

    await sockets[0]!.close();
    await page.getByText(/Anslutningen till växeln bröts/).waitFor();
    await screenshot(page, '11-stale');
    // Meanwhile the operator's state changes (from another tab, say).
    const pause = await fetch(`${lab.switchboard.url}/api/v1/operator/pause`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'lunch' }),
    });
    expect(pause.status).toBe(200);
    const reconnect = await eventually(async () => sockets[1], { what: 'a reconnection' });
    expect(new URL(reconnect.url()).searchParams.get('since')).toMatch(/^\d+-\d+$/);

    release();
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('Lunch');
    await expect.poll(() => page.getByText(/Anslutningen till växeln bröts/).count()).toBe(0);
    await screenshot(page, '12-caught-up');
  });
});
