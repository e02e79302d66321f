import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { freeUdpPort } from '../../src/lab/free-port.js';
import { controlHelpers } from '../e2e/call-control-support.js';
import { apiClient } from '../support/api-client.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { startCaller } from '../support/sipp.js';
import { artifactsOf, launchChromium, signIn, KARIN_LIND, CONSOLE_VIEW } from './browser-support.js';

/**
 * The console as the operator's phone (WebRTC), in Debian's Chromium with a fake microphone,
 * against a whole lab switchboard: the operator logs in "with this browser", the browser phone
 * registers on Asterisk's SIP WebSocket with credentials issued to the token, a SIPp citizen
 * (echoing the RTP it gets) calls, Alt+N rings the browser, which answers: media flows both ways
 * (the page's getStats and Asterisk's RTP statistics). Hold, transfer and hang up from the
 * keyboard; a dropped network, after which the phone registers again by itself.
 */

const { clear, screenshot, expectAccessible } = artifactsOf('softphone');

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let operatorToken: string;
let operatorId: string;
/** The browser phone's WebSockets, through Playwright, so a test can drop them ("the network"). */
const sipSockets: WebSocketRoute[] = [];
let networkDown = false;

/** Every RTCPeerConnection the page makes, kept where the test can read its getStats(). */
function recordPeerConnections() {
  const Native = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections = made;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      made.push(this);
    }
  };
}

/** RTP packets the page's latest peer connection has received and sent (audio). */
const pageRtp = () =>
  page.evaluate(async () => {
    const made = (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections;
    const latest = made.at(-1);
    let received = 0;
    let sent = 0;
    (await latest?.getStats())?.forEach((report: { type: string; kind?: string } & Record<string, number>) => {
      if (report.type === 'inbound-rtp' && report.kind === 'audio') received += report.packetsReceived ?? 0;
      if (report.type === 'outbound-rtp' && report.kind === 'audio') sent += report.packetsSent ?? 0;
    });
    return { received, sent, state: latest?.connectionState };
  });

const softphoneField = (name: string) => page.locator(`[data-softphone="${name}"]`).textContent();

/** A citizen calling Vännäs whose SIPp echoes the RTP it receives (its SDP offers its media port). */
async function echoingCaller() {
  const mediaPort = await freeUdpPort();
  return startCaller(lab.asterisk, '093514100', {
    hangupAfterMs: 60_000,
    timeoutMs: 90_000,
    extraArgs: ['-rtp_echo', '-mp', String(mediaPort)],
  });
}

/** The browser phone's endpoint, from the operator's session (browser:<endpoint>). */
async function browserEndpoint(): Promise<string> {
  const session = await lab.switchboard.operators.get(operatorId);
  const endpoint = /^browser:(rv-sp-[0-9a-f]{24})$/.exec(session?.phone ?? '')?.[1];
  if (!endpoint) throw new Error(`the session's phone is ${session?.phone}, not a browser phone`);
  return endpoint;
}

beforeAll(async () => {
  await clear();
  [lab, browser] = await Promise.all([startLabSwitchboard({ ringSeconds: 10 }), launchChromium({ fakeMedia: true })]);
  h = controlHelpers(lab);
  const created = await lab.switchboard.tokens.create(
    { name: 'Bodil Webbtelefon', role: 'operator' },
    localActor('browser test'),
  );
  operatorToken = created.token;
  operatorId = created.record.id;
  await lab.switchboard.entries.create(KARIN_LIND, localActor('browser test'));
  context = await browser.newContext({
    ...CONSOLE_VIEW,
    permissions: ['microphone'],
  });
  await context.addInitScript(recordPeerConnections);
  // Asterisk's SIP WebSocket (…/ws): passed through while the network is up, refused while it is down.
  await context.routeWebSocket(/\/ws$/, (socket) => {
    if (networkDown) return void socket.close({ code: 1006, reason: 'network down' });
    sipSockets.push(socket);
    socket.connectToServer();
  });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

describe.sequential('the console as the operator’s phone', () => {
  it('logs in with this browser: the phone registers on Asterisk’s WebSocket with credentials issued to the token', async () => {
    await signIn(page, lab.switchboard.url, operatorToken);
    await page.getByLabel('Den här webbläsaren').check();
    expect(await page.getByLabel('Telefonens SIP-adress').isDisabled()).toBe(true);
    await page.getByLabel('Vännäs').check();
    await expectAccessible(page, '00-login-with-browser');
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.getByRole('heading', { name: 'Webbtelefon' }).waitFor();
    await expect.poll(() => softphoneField('registration'), { timeout: 15_000 }).toMatch(/^Registrerad/);
    expect(await softphoneField('connection')).toBe('Ansluten');
    expect(await softphoneField('microphone')).toBe('Tillåten');

    const endpoint = await browserEndpoint();
    // Asterisk itself has the registration: the endpoint is reachable at its contact.
    const { body } = await lab.ari<{ state: string; technology: string }>(`/ari/endpoints/PJSIP/${endpoint}`);
    expect(body.state).toBe('online');
    // The password is in the page's memory only: nothing of it in storage.
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
    expect(stored).not.toContain(endpoint);
    // The headset choice lists the fake devices by name once the microphone is allowed.
    await expect.poll(() => page.getByLabel('Mikrofon (headset)').locator('option').count()).toBeGreaterThan(1);
    await expectAccessible(page, '01-registered');
    await screenshot(page, '01-registered');
  });

  let callId: string;
  let caller: Awaited<ReturnType<typeof echoingCaller>>;

  it('a citizen calls; Alt+N rings the browser, which answers: media flows both ways', async () => {
    caller = await echoingCaller();
    callId = (await h.firstWaiting('2460')).callId;
    await page.locator(`tr[data-call-id="${callId}"]`).waitFor();
    await page.keyboard.press('Alt+KeyN');
    await h.callWhere(callId, 'answered', (c) => c.state === 'answered');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    await page.getByRole('region', { name: /Samtal till Vännäs/ }).waitFor();
    await expect.poll(() => softphoneField('call')).toBe('Pågår i webbläsaren');

    // The page's own counters rise both ways: the fake microphone out, the caller's echo back.
    const first = await eventually(
      async () => {
        const rtp = await pageRtp();
        return rtp.received > 0 && rtp.sent > 0 ? rtp : undefined;
      },
      { what: 'RTP both ways in the page', timeoutMs: 15_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const later = await pageRtp();
    expect(later.sent).toBeGreaterThan(first.sent);
    expect(later.received).toBeGreaterThan(first.received);
    // And Asterisk's, on the operator's leg.
    const { body: rtp } = await lab.ari<{ txcount: number; rxcount: number }>(
      `/ari/channels/${encodeURIComponent(`${callId}-op1`)}/rtp_statistics`,
    );
    expect(rtp.txcount).toBeGreaterThan(0);
    expect(rtp.rxcount).toBeGreaterThan(0);
    await expectAccessible(page, '02-in-call');
    await screenshot(page, '02-in-call');
  });

  it('Alt+H holds and takes back; Alt+K transfers to an extension, the browser’s call ends', async () => {
    await page.keyboard.press('Alt+KeyH');
    await h.bridgeWith(`${callId}-hold`, [callId]);
    await page.getByRole('button', { name: 'Återta från vänteläge' }).waitFor();
    await page.keyboard.press('Alt+KeyH');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);

    const extensionPhone = await h.answeringPhone(1, 2_000);
    await h.bindExtension('2460100', extensionPhone.localPort);
    await page.keyboard.press('Alt+KeyK');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('combobox');
    await page.keyboard.type('bygglov');
    await page.getByRole('option', { name: /Karin Lind/ }).waitFor();
    await page.keyboard.press('Enter');
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    expect(await h.record(callId)).toMatchObject({ control: 'transferred', transferTarget: '2460100' });
    await expect.poll(() => softphoneField('call')).toBe('Inget');
    await h.callWhere(callId, 'ended', (c) => c.state === 'ended');
    expect((await extensionPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('Alt+P parks; Hämta rings the browser again, which answers; Alt+L hangs up', async () => {
    const next = await echoingCaller();
    const { callId: nextId } = await h.firstWaiting('2460');
    await page.locator(`tr[data-call-id="${nextId}"]`).waitFor();
    await page.keyboard.press('Alt+KeyN');
    await h.bridgeWith(`${nextId}-talk`, [nextId, `${nextId}-op1`]);
    await page.getByRole('region', { name: /Samtal till Vännäs/ }).waitFor();

    await page.keyboard.press('Alt+KeyP');
    await h.callWhere(nextId, 'parked', (c) => c.control === 'parked');
    await expect.poll(() => softphoneField('call')).toBe('Inget');
    const retrieve = page.getByRole('button', { name: 'Hämta' });
    await retrieve.focus();
    await page.keyboard.press('Enter');
    await h.bridgeWith(`${nextId}-talk`, [nextId, `${nextId}-op2`]);
    await expect.poll(() => softphoneField('call')).toBe('Pågår i webbläsaren');
    await page.getByRole('region', { name: /Samtal till Vännäs/ }).waitFor();
    await page.keyboard.press('Alt+KeyL');
    expect(await h.callWhere(nextId, 'ended', (c) => c.state === 'ended')).toMatchObject({ outcome: 'answered' });
    await page.getByText('Inget samtal just nu.').waitFor();
    await expect.poll(() => softphoneField('call')).toBe('Inget');
    expect((await next.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('a dropped network: the phone says so, registers again by itself, and the next call is answered', async () => {
    const endpoint = await browserEndpoint();
    networkDown = true;
    await sipSockets.at(-1)!.close({ code: 1006, reason: 'network down' });
    await expect.poll(() => softphoneField('connection')).toMatch(/^Frånkopplad|^Ansluter/);
    expect(await softphoneField('registration')).not.toMatch(/^Registrerad/);
    await expectAccessible(page, '03-disconnected');
    await screenshot(page, '03-disconnected');

    // Meanwhile a citizen calls and the operator asks for them: the browser cannot be reached, so
    // the call goes back to its place in the queue, as with a desk phone that does not answer.
    const again = await echoingCaller();
    const { callId: againId } = await h.firstWaiting('2460');
    // Rung at a contact Asterisk still keeps (it goes unanswered), or refused at once when Asterisk has dropped it with the WebSocket.
    const taken = await apiClient(lab.switchboard.url, operatorToken)<{
      call?: { callId: string };
      error?: { code: string };
    }>('POST', '/api/v1/operator/answer-next');
    if (taken.status === 200) expect(taken.body.call?.callId).toBe(againId);
    else expect(taken).toMatchObject({ status: 409, body: { error: { code: 'phone_not_registered' } } });
    await h.callWhere(againId, 'back in the queue', (c) => c.state === 'waiting', 25_000);
    const socketsBefore = sipSockets.length;
    networkDown = false;
    expect(socketsBefore).toBeGreaterThan(0);
    await expect.poll(() => softphoneField('registration'), { timeout: 30_000 }).toMatch(/^Registrerad/);
    expect(sipSockets.length).toBeGreaterThan(socketsBefore);
    // The same browser phone: the session still rings it.
    expect(await browserEndpoint()).toBe(endpoint);

    await page.locator(`tr[data-call-id="${againId}"]`).waitFor();
    await page.keyboard.press('Alt+KeyN');
    // Its second operator leg: the first rang the browser while it was away.
    const answered = await h.callWhere(againId, 'answered', (c) => c.state === 'answered');
    expect(answered.operatorChannelId).toBe(`${againId}-op2`);
    await h.bridgeWith(`${againId}-talk`, [againId, `${againId}-op2`]);
    await page.keyboard.press('Alt+KeyL');
    await h.callWhere(againId, 'ended', (c) => c.state === 'ended');
    expect((await again.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('a microphone the operator refused is said, with where to allow it', async () => {
    const asking = await launchChromium({ fakeMedia: 'asking' });
    try {
      // No microphone permission in this context: the browser refuses the page's request.
      const refusing = await (await asking.newContext(CONSOLE_VIEW)).newPage();
      const { token } = await lab.switchboard.tokens.create(
        { name: 'Nils Utan Mikrofon', role: 'operator' },
        localActor('browser test'),
      );
      await signIn(refusing, lab.switchboard.url, token);
      await refusing.getByLabel('Den här webbläsaren').check();
      await refusing.getByLabel('Vännäs').check();
      await refusing.getByRole('button', { name: 'Logga in' }).click();
      await refusing.getByRole('heading', { name: 'Webbtelefon' }).waitFor();
      await expect
        .poll(() => refusing.locator('[data-softphone="microphone"]').textContent(), { timeout: 15_000 })
        .toMatch(/^Nekad – tillåt mikrofonen/);
      await expectAccessible(refusing, '04-microphone-refused');
      await screenshot(refusing, '04-microphone-refused');
    } finally {
      await asking.close();
    }
  });

  it('logging out deletes the browser phone from Asterisk', async () => {
    const endpoint = await browserEndpoint();
    await page.getByRole('button', { name: 'Logga ut ur växeln' }).click();
    await page.getByRole('heading', { name: 'Logga in i växeln' }).waitFor();
    await eventually(
      async () => ((await lab.ari(`/ari/endpoints/PJSIP/${endpoint}`)).status === 404 ? true : undefined),
      { what: `endpoint ${endpoint} gone from Asterisk` },
    );
  });
});
