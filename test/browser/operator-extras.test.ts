import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { VOICE_MAILBOX, voiceMessageText } from '../../src/calls/messages/voice-recording.js';
import type { MessageView } from '../../src/http/routes/messages.js';
import type { OperatorSessionView } from '../../src/http/routes/operator.js';
import { freeTcpPort, freeUdpPort } from '../../src/lab/free-port.js';
import { controlHelpers } from '../e2e/call-control-support.js';
import { startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, type SippProcess, startSipp } from '../support/sipp.js';
import { toneWav } from '../support/wav.js';
import { artifactsOf, launchChromium, signIn } from './browser-support.js';

/**
 * The operator view's logins, call-backs and messages in Debian's Chromium against a whole lab
 * switchboard: login by hand with weights and with the operator account's defaults (read back
 * from the session), a SIPp call answered, a message taken and listed, a call-back booked from
 * the console that keeps the caller's place and is marked in the queue board, then taken from
 * the keyboard (with the call-back's opening to say) and dialled out to a SIPp phone at the
 * carrier, and a message marked handled; a call-back booked for a later window listed as booked,
 * and one past its window marked late in the queue; the booked one cancelled from the keyboard.
 * axe-core checks every state; screenshots in test-artifacts/browser/operator-extras/.
 */

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
let browser: Browser;
let page: Page;
let operator: { token: string; id: string };
let karinId: string;
/**
 * The carrier's far end: call-backs are dialled out there. A SIPp phone listening from the start
 * on its port, which the switchboard is configured with: started only when needed, the port had
 * been taken meanwhile by another test's socket (once in CI).
 */
let carrier: SippProcess;
const artifacts = artifactsOf('operator-extras');

beforeAll(async () => {
  // The artifacts are this run's only.
  await artifacts.clear();
  const carrierPort = await freeUdpPort();
  carrier = await startSipp({
    scenarioFile: SCENARIOS.operatorPhone,
    localPort: carrierPort,
    calls: 1,
    vars: { talk_ms: '8000' },
    timeoutMs: 600_000,
  });
  // Messages are mailed and sent by SMS through ports nobody listens on: every one stays "ej levererat".
  const [mailPort, smsPort] = await Promise.all([freeTcpPort(), freeTcpPort()]);
  [lab, browser] = await Promise.all([
    startLabSwitchboard({
      ringSeconds: 10,
      callControl: { trunkHost: `127.0.0.1:${carrierPort}` },
      smtp: { host: '127.0.0.1', port: mailPort, tls: 'none', from: 'vaxeln@lab.example' },
      sms: { url: `http://127.0.0.1:${smsPort}/send`, bodyTemplate: '{"to":"{{to}}","text":"{{text}}"}' },
    }),
    launchChromium(),
  ]);
  h = controlHelpers(lab);
  const { token, record } = await lab.switchboard.tokens.create(
    { name: 'Eva Telefonist', role: 'operator' },
    localActor('browser test'),
  );
  operator = { token, id: record.id };
  const karin = await lab.switchboard.entries.create(
    {
      kind: 'person',
      municipalityId: '2460',
      givenName: 'Karin',
      familyName: 'Lind',
      title: 'Bygglovshandläggare',
      keywords: ['bygglov'],
      extension: '2460100',
      email: 'karin.lind@vannas.example',
      phoneNumbers: ['070-111 22 33'],
    },
    localActor('browser test'),
  );
  karinId = karin.id;
  page = await browser.newPage({
    viewport: { width: 1280, height: 1000 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
  });
});
afterAll(async () => {
  await carrier?.stop();
  await browser?.close();
  await lab?.stop();
});

/** The page as it is now: checked with axe-core, and a screenshot. */
async function step(name: string) {
  await artifacts.expectAccessible(page, name);
  await artifacts.screenshot(page, name);
}

/** Calls the API as the console's operator (the token signed in in the browser). */
async function asOperator<T>(method: string, path: string): Promise<T> {
  const response = await fetch(`${lab.switchboard.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${operator.token}` },
  });
  return (await response.json()) as T;
}

const byId = (served: { id: string; weight: number }[]) => [...served].sort((a, b) => a.id.localeCompare(b.id));

describe.sequential('operator console: logins, call-backs and messages', () => {
  let operatorPhone: SippProcess;
  let callId: string;
  let caller: SippProcess;
  let laterCaller: SippProcess;

  it('without an operator account the defaults say so; by hand, each municipality gets the weight typed', async () => {
    await signIn(page, lab.switchboard.url, operator.token);
    await page.getByRole('button', { name: 'Använd mina standardval' }).press('Enter');
    await page
      .getByRole('alert')
      .getByText(/Ditt telefonistkonto saknas/)
      .waitFor();
    await step('01-login-without-account');

    await page.getByLabel('Telefonens SIP-adress').fill('sip:operator@127.0.0.1:5999');
    await page.getByLabel('Vännäs').check();
    await page.getByLabel('Umeå').check();
    const vannasWeight = page.getByRole('row', { name: /Vännäs/ }).getByLabel('Vikt');
    await vannasWeight.fill('2');
    await step('02-login-by-hand-with-weights');
    await vannasWeight.press('Enter');
    await page.locator('.status-bar').getByText('Eva Telefonist').waitFor();

    const session = await asOperator<OperatorSessionView>('GET', '/operator/session');
    expect(byId(session.served)).toEqual([
      { id: '2460', weight: 2 },
      { id: '2480', weight: 1 },
    ]);
    await page.getByRole('button', { name: 'Logga ut ur växeln' }).press('Enter');
    await page.getByRole('heading', { name: 'Logga in i växeln' }).waitFor();
  });

  it('with an operator account, "Använd mina standardval" logs in with its phone and weights', async () => {
    operatorPhone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 2,
      vars: { talk_ms: '60000' },
      timeoutMs: 240_000,
    });
    const account = {
      name: 'Eva Telefonist',
      municipalityId: '2403',
      tokenId: operator.id,
      phone: `sip:operator@127.0.0.1:${operatorPhone.localPort}`,
      municipalities: [
        { id: '2460', weight: 3 },
        { id: '2480', weight: 0.5 },
      ],
    };
    await lab.switchboard.admin.operatorAccounts.create(account, localActor('browser test'));

    await page.getByRole('button', { name: 'Använd mina standardval' }).press('Enter');
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('Redo');
    const session = await asOperator<OperatorSessionView>('GET', '/operator/session');
    expect(session.phone).toBe(account.phone);
    expect(byId(session.served)).toEqual(byId(account.municipalities));
    await page.getByRole('heading', { name: 'Meddelanden' }).waitFor();
    await step('03-ready-with-account-defaults');
  });

  it('a SIPp call answered with Alt+N; a message taken on it with Alt+M shows in the messages list', async () => {
    caller = await h.caller('093514100', 60_000);
    ({ callId } = await h.firstWaiting('2460'));
    await page.locator(`tr[data-call-id="${callId}"]`).waitFor();
    await page.keyboard.press('Alt+KeyN');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    await page.getByRole('region', { name: /Samtal till Vännäs/ }).waitFor();

    await page.keyboard.press('Alt+KeyM');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('message-search');
    await page.keyboard.type('karin');
    await page.getByRole('option', { name: /Karin Lind/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByLabel('Uppringarens namn').fill('Per Ek');
    await page.getByLabel('Meddelande', { exact: true }).fill('Ring tillbaka om bygglovet');
    await page.getByLabel('Meddelande', { exact: true }).press('Control+Enter');
    await page.getByText('Meddelandet sparat').waitFor();

    const listed = page.locator('.messages tbody tr', { hasText: 'Ring tillbaka om bygglovet' });
    await listed.waitFor();
    expect(await listed.textContent()).toContain('Karin Lind');
    expect(await listed.textContent()).toContain('Per Ek, 070-123 45 67');
    await step('04-message-listed');
  });

  it('Alt+U books a call-back on the call; after hanging up it waits at the caller’s place, marked, before a later caller', async () => {
    laterCaller = await h.caller('093514100', 20_000);
    const later = await h.firstWaiting('2460');
    await page.locator(`tr[data-call-id="${later.callId}"]`).waitFor();

    await page.keyboard.press('Alt+KeyU');
    // The number to call is the caller's, already filled in and focused: Enter books.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('callback-number');
    expect(await page.getByLabel('Nummer att ringa upp').inputValue()).toBe('070-123 45 67');
    await step('05-callback-form');
    await page.keyboard.press('Enter');
    await page.getByText('Återuppringning bokad').waitFor();
    await page.keyboard.press('Alt+KeyL');
    await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    await page.getByText('Inget samtal just nu.').waitFor();
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });

    const callbackId = `${callId}-cb`;
    const queue = await lab.api<{ calls: { callId: string; kind?: string }[] }>('GET', '/api/v1/queues/2460');
    expect(queue.body.calls.map((c) => c.callId)).toEqual([callbackId, later.callId]);
    const rows = page.locator('table.waiting tbody tr');
    await expect
      .poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-call-id'))))
      .toEqual([callbackId, later.callId]);
    expect(await rows.first().getAttribute('class')).toBe('callback');
    expect(await rows.first().textContent()).toContain('Återuppringning');
    expect(await page.locator('.queue-card', { hasText: 'Vännäs' }).textContent()).toContain('varav 1 återuppringning');
    await step('06-callback-in-queue');
  });

  it('taken from the queue board with the keyboard, the call-back rings the operator, then dials the SIPp phone at the carrier', async () => {
    const callbackId = `${callId}-cb`;
    await page.getByRole('button', { name: 'Ring upp 070-123 45 67, Vännäs' }).press('Enter');

    // The operator's SIPp phone answers; the switchboard dials the citizen through the carrier, whose SIPp phone answers.
    await h.bridgeWith(`${callbackId}-talk`, [`${callbackId}-dial`, `${callbackId}-op1`]);
    const current = page.getByRole('region', { name: /Återuppringning åt Vännäs/ });
    await current.waitFor();
    expect(await current.locator('.call-facts').textContent()).toMatch(/^Ringer upp070-123 45 67/);
    // The switchboard is calling: the call-back's opening, not the inbound welcome.
    expect(await current.locator('.greeting').textContent()).toBe(
      'Säg: Hej, det här är Vännäs kommun som ringer upp dig efter ditt samtal.',
    );
    await step('07-callback-taken');

    // The carrier's phone hangs up after 8 s of talk: the call-back ends, answered.
    expect(await h.callWhere(callbackId, 'ended', (c) => c.state === 'ended', 15_000)).toMatchObject({
      outcome: 'answered',
      kind: 'callback',
      callbackOf: callId,
    });
    expect((await carrier.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 2, failed: 0 });
    // The later caller waited on in the queue and hangs up by themselves.
    expect((await laterCaller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('messages: Alt+I goes to the list; one person’s, marked handled from the keyboard (stored); a colleague’s shows live', async () => {
    await page.keyboard.press('Alt+KeyI');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('messages-heading');

    await page.getByLabel('Person (sök i katalogen)').focus();
    await page.keyboard.type('karin');
    await page.getByRole('option', { name: /Karin Lind/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByText('Visar meddelanden till Karin Lind.').waitFor();
    await page.locator('.messages tbody tr', { hasText: 'Ring tillbaka om bygglovet' }).waitFor();
    // The mail server cannot be reached: the operator sees it has not reached Karin.
    await page
      .locator('.messages tbody tr', { hasText: 'Ring tillbaka om bygglovet' })
      .getByText('ej levererat', { exact: true })
      .waitFor();
    await page
      .locator('.messages tbody tr', { hasText: 'Ring tillbaka om bygglovet' })
      .getByText('ej levererat (sms)', { exact: true })
      .waitFor();
    await step('08-messages-of-one-person');

    await page.getByRole('button', { name: /^Markera hanterat: till Karin Lind/ }).press('Enter');
    await page.getByText('Meddelandet till Karin Lind är hanterat').waitFor();
    const stored = await asOperator<{ messages: MessageView[] }>('GET', `/messages?entryId=${karinId}`);
    expect(stored.messages).toHaveLength(1);
    expect(stored.messages[0]).toMatchObject({
      text: 'Ring tillbaka om bygglovet',
      callId,
      delivery: { state: expect.stringMatching(/^(pending|failed)$/) },
      smsDelivery: { state: expect.stringMatching(/^(pending|failed)$/) },
      handledBy: operator.id,
      handledAt: expect.any(String),
    });
    // Handled messages are not listed unless asked for.
    await page.locator('.messages').getByText('Inga meddelanden.').waitFor();
    await page.getByLabel('Visa hanterade').check();
    await page.locator('.messages tbody tr', { hasText: 'Hanterat' }).waitFor();

    // A colleague takes a message for Karin: it shows without a reload, through the event stream.
    const colleague = await h.operatorClient('Bo Telefonist');
    expect(
      (
        await colleague.api('POST', '/api/v1/messages', {
          extension: '2460100',
          callerName: 'Lena Berg',
          text: 'Om detaljplanen',
        })
      ).status,
    ).toBe(201);
    await page.locator('.messages tbody tr', { hasText: 'Om detaljplanen' }).waitFor();
    await step('09-messages-handled-and-live');
  });

  it('a voice message for Karin shows live with a play control; played, its recording is fetched with the token and plays in the page', async () => {
    // As media/arrival/voice-message.ts leaves one (the lab e2e test test/e2e/voice-message.test.ts records one from SIPp).
    await lab.switchboard.callControl.messages.create(
      {
        entryId: karinId,
        callerNumber: '+46701234567',
        text: voiceMessageText(3_000),
        recording: { wav: toneWav(3_000), durationMs: 3_000 },
      },
      VOICE_MAILBOX,
    );
    const row = page.locator('.messages tbody tr', { hasText: 'Röstmeddelande (0:03)' });
    await row.waitFor();
    await row.getByRole('button', { name: /^Spela upp röstmeddelandet till Karin Lind/ }).press('Enter');
    const audio = row.getByLabel(/^Spela röstmeddelandet till Karin Lind/);
    await audio.waitFor();
    // The page's own copy (an object URL of what the API gave with the token), whole: its length is the recording's.
    expect(await audio.getAttribute('src')).toMatch(/^blob:/);
    await expect
      .poll(() => audio.evaluate((element) => Math.round((element as HTMLAudioElement).duration * 10) / 10))
      .toBe(3);
    await step('10-voice-message-played');
  });

  it('a call-back booked for a later window is listed under "Bokade återuppringningar" (Alt+B); one past its window is marked late in the queue; the booked one is cancelled', async () => {
    // Calls set in Redis, not by SIPp: these steps are about the console, and no phone needs to ring.
    const { queue, callControl } = lab.switchboard;
    const enqueue = (id: string) =>
      queue.enqueue({
        callId: id,
        channelId: id,
        municipalityId: '2460',
        calledNumber: '+4693514100',
        caller: '+46703334455',
        reason: 'main-number',
      });
    const scheduledId = `later-${Date.now()}`;
    await enqueue(scheduledId);
    await queue.claimCall(operator.id, scheduledId);
    await queue.markAnswered(scheduledId, `${scheduledId}-op1`);
    await page.getByRole('region', { name: /Samtal till Vännäs/ }).waitFor();

    // Booked from the console for tomorrow 13:00–14:00, Stockholm time (the page's zone).
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
    await page.keyboard.press('Alt+KeyU');
    await page.getByLabel('Tidigast (tomt: nu)').fill(`${tomorrow}T13:00`);
    await page.getByLabel('Senast', { exact: true }).fill(`${tomorrow}T14:00`);
    await page.getByRole('button', { name: 'Boka återuppringning', exact: true }).press('Enter');
    await page.getByText('Återuppringning bokad').waitFor();
    await queue.finish(scheduledId);
    await page.getByText('Inget samtal just nu.').waitFor();

    const row = page.locator(`tr[data-call-id="${scheduledId}-cb"]`);
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      'Vännäs',
      '070-333 44 55',
      expect.stringMatching(/13:00 – 14:00$/),
      expect.stringMatching(/^Eva Telefonist \d/),
      'Avboka',
    ]);
    expect(await page.locator(`table.waiting tr[data-call-id="${scheduledId}-cb"]`).count()).toBe(0);
    await page.keyboard.press('Alt+KeyB');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('scheduled-heading');
    await step('10-callback-booked-for-later');

    // A call-back whose wished window ended a minute ago and that nobody has taken yet.
    const lateId = `late-${Date.now()}`;
    const windowTo = Date.now() - 60_000;
    await enqueue(lateId);
    await callControl.callbacks.book({ callId: lateId, windowTo });
    const lateRow = page.locator(`table.waiting tr[data-call-id="${lateId}-cb"]`);
    await lateRow.waitFor();
    expect(await lateRow.getAttribute('class')).toBe('callback late');
    const before = new Date(windowTo).toLocaleTimeString('sv-SE', {
      timeZone: 'Europe/Stockholm',
      hour: '2-digit',
      minute: '2-digit',
    });
    expect(await lateRow.locator('.badge.late').textContent()).toMatch(
      new RegExp(`^Sen – önskades före (.* )?${before}$`),
    );
    await page.getByRole('button', { name: 'Ring upp 070-333 44 55, Vännäs, sen' }).waitFor();
    await step('11-late-callback-in-queue');

    // The citizen called again and was helped: the booked call-back is cancelled from the keyboard,
    // after a question whose focused answer keeps it.
    await page.keyboard.press('Alt+KeyB');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('scheduled-heading');
    await page.keyboard.press('Tab');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Avboka återuppringningen till 070-333 44 55, Vännäs');
    await page.keyboard.press('Enter');
    const question = page.getByRole('dialog', { name: /^Avboka återuppringningen till 070-333 44 55 \(Vännäs\)\?/ });
    await question.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Behåll');
    await step('12-cancel-callback-confirm');
    await page.keyboard.press('Shift+Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Avboka');
    await page.keyboard.press('Enter');
    await page.getByText('Återuppringningen till 070-333 44 55 är avbokad').waitFor();
    await row.waitFor({ state: 'detached' });
    await page.locator('table.scheduled').getByText('Inga bokade återuppringningar.').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('scheduled-heading');
    expect(await asOperator('GET', `/calls/${scheduledId}-cb`)).toMatchObject({
      state: 'ended',
      outcome: 'callback-cancelled',
      cancelledBy: operator.id,
    });
    await step('13-callback-cancelled');
  });
});
