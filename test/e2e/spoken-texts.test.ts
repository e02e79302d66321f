import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { spokenTextHash, spokenTextPath } from '../../src/media/spoken-text/spoken-texts.js';
import { type AriPlayback, clockFrom, eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { startCaller } from '../support/sipp.js';

/**
 * The texts IT staff store (/api/v1/greetings) as callers hear them, through the lab's real
 * Asterisk 22 and SIPp callers: the closed message instead of the shipped closed prompt, the
 * queue announcements in turn after the position, and the shipped prompt when Asterisk cannot
 * fetch the spoken text. Asterisk fetches through a pass-through in front of the switchboard's
 * HTTP server (SPOKEN_TEXT_BASE_URL), which counts what it asks for and, closed, is an app out of reach.
 */

type CallView = { callId: string; state: string; outcome?: string };

const VANNAS_CLOSED = 'Vännäs kommuns växel har stängt för julhelgen. Vi öppnar igen på måndag klockan åtta.';
const UMEA_CLOSED = 'Umeå kommuns växel har stängt i dag.';
const BJURHOLM_ANNOUNCEMENTS = ['Du vet väl att du kan söka bygglov på bjurholm.se.', 'Tack för att du väntar.'];

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let passThrough: Server;
let baseUrl: string;
/** What Asterisk asked for, and what the switchboard answered. */
const hits: { path: string; status: number }[] = [];
let adminToken: string;

beforeAll(async () => {
  passThrough = createServer((request, response) => {
    void (async () => {
      const upstream = await fetch(`${lab.switchboard.url}${request.url ?? '/'}`, { method: request.method });
      hits.push({ path: request.url ?? '', status: upstream.status });
      response.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
        'cache-control': upstream.headers.get('cache-control') ?? 'no-store',
      });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => passThrough.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(passThrough.address() as AddressInfo).port}`;
  lab = await startLabSwitchboard({
    // Juldagen at ten: every member is closed unless its hours say otherwise.
    now: clockFrom('2026-12-25T10:00:00+01:00'),
    spokenTextBaseUrl: baseUrl,
    // Bjurholm announces every 5 s here (45 s by default).
    adjustRegion: (region) => ({
      ...region,
      municipalities: region.municipalities.map((m) =>
        m.id === '2403' ? { ...m, queuePolicy: { ...m.queuePolicy, announceEverySeconds: 5 } } : m,
      ),
    }),
  });
  adminToken = (
    await lab.switchboard.tokens.create({ name: 'e2e IT staff', role: 'region-admin' }, localActor('e2e test'))
  ).token;
});
afterAll(async () => {
  passThrough?.closeAllConnections();
  passThrough?.close();
  await lab?.stop();
});

/** The API as IT staff (region-admin). */
async function asAdmin(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${lab.switchboard.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
}

/** The media URI the switchboard gives Asterisk for a Swedish text. */
const spokenUri = (text: string) => `sound:${baseUrl}${spokenTextPath(spokenTextHash('sv', text))}`;

/** The named playback while Asterisk plays it (ARI forgets a playback once it ended), with the media given. */
const playing = (playbackId: string, media: string, timeoutMs: number) =>
  eventually(
    async () => {
      const { status, body } = await lab.ari<AriPlayback>(`/ari/playbacks/${encodeURIComponent(playbackId)}`);
      return status === 200 && body.media_uri === media ? body : undefined;
    },
    { what: `${media} playing as ${playbackId}`, timeoutMs },
  );

/** Asterisk fetched the text's audio from the switchboard (the playback shows before its fetch is done). */
const fetched = (text: string) => {
  const path = spokenTextPath(spokenTextHash('sv', text));
  return eventually(async () => hits.find((hit) => hit.path === path && hit.status === 200), {
    what: `${path} fetched`,
    timeoutMs: 5_000,
  });
};

function call(service: string, hangupAfterMs: number) {
  return startCaller(lab.asterisk, service, { hangupAfterMs, timeoutMs: hangupAfterMs + 20_000 });
}

const recorded = (municipalityId: string) =>
  eventually(
    async () =>
      (await lab.api<{ calls: CallView[] }>('GET', `/api/v1/calls?municipality=${municipalityId}`)).body.calls[0],
    { what: `the call to ${municipalityId} recorded` },
  );

describe('a stored closed message', () => {
  it('is what a caller hears while closed, fetched by Asterisk from the switchboard, instead of the shipped closed prompt; then the alternatives', async () => {
    await asAdmin('POST', '/api/v1/greetings', {
      municipalityId: '2460',
      greeting: 'Vännäs kommun, växeln.',
      closedMessage: VANNAS_CLOSED,
    });
    const started = Date.now();
    const caller = await call('093514100', 40_000);
    const { callId } = await recorded('2460');

    expect(await playing(`${callId}-closed-message`, spokenUri(VANNAS_CLOSED), 10_000)).toMatchObject({
      target_uri: `channel:${callId}`,
    });
    // After the message, alone: the 112 advice (the shipped "Idag är det helgdag" is not heard).
    expect(
      (await playing(`${callId}-closed`, 'sound:regionvaxel/closed-alternatives', 15_000)).next_media_uri,
    ).toBeUndefined();
    await fetched(VANNAS_CLOSED);

    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    // The switchboard hung up after the message (about 6 s) and the advice (6.2 s), long before the caller would.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await recorded('2460')).outcome).toBe('closed');
  });
});

describe('stored queue announcements', () => {
  it('follow the position in turn, each announcement the next text, on the caller’s channel in their holding bridge', async () => {
    // Bjurholm open today by the manual override.
    await asAdmin(
      'PATCH',
      '/api/v1/opening-hours/2403',
      { override: { state: 'open', until: '2026-12-25T18:00:00+01:00' } },
      { 'if-match': '"0"' },
    );
    await asAdmin('POST', '/api/v1/greetings', {
      municipalityId: '2403',
      greeting: 'Bjurholms kommun, växeln.',
      queueAnnouncements: BJURHOLM_ANNOUNCEMENTS,
    });
    const caller = await call('093214000', 40_000);
    const { callId } = await eventually(
      async () => (await lab.api<{ calls: CallView[] }>('GET', '/api/v1/queues/2403')).body.calls[0],
      { what: 'the call waiting' },
    );

    // Greeting (4.6 s), 5 s of music, "Du är nummer ett i kön", then the first text.
    await playing(`${callId}-position`, 'sound:regionvaxel/position-before', 15_000);
    expect(await playing(`${callId}-position-text`, spokenUri(BJURHOLM_ANNOUNCEMENTS[0]!), 10_000)).toMatchObject({
      target_uri: `channel:${callId}`,
    });
    await playing(`${callId}-position`, 'sound:regionvaxel/position-before', 15_000);
    expect(await playing(`${callId}-position-text`, spokenUri(BJURHOLM_ANNOUNCEMENTS[1]!), 10_000)).toMatchObject({
      target_uri: `channel:${callId}`,
    });
    for (const text of BJURHOLM_ANNOUNCEMENTS) await fetched(text);

    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });
});

describe('a stored text Asterisk cannot fetch', () => {
  it('leaves the caller the shipped closed prompt and the alternatives, without a long silence', async () => {
    // The switchboard out of Asterisk's reach: its address refuses connections.
    passThrough.closeAllConnections();
    await new Promise((resolve) => passThrough.close(resolve));
    await asAdmin('POST', '/api/v1/greetings', {
      municipalityId: '2480',
      greeting: 'Umeå kommun, växeln.',
      closedMessage: UMEA_CLOSED,
    });
    const started = Date.now();
    const caller = await call('090161000', 40_000);
    const { callId } = await recorded('2480');

    const fallback = await playing(`${callId}-closed`, 'sound:regionvaxel/closed-holiday', 15_000);
    expect(fallback.next_media_uri).toBe('sound:regionvaxel/closed-alternatives');
    // Spoken and given out (the text is in Redis under its hash), but never fetched.
    const hash = spokenTextHash('sv', UMEA_CLOSED);
    expect(await lab.switchboard.redis.exists(lab.switchboard.keys.spokenText(hash))).toBe(1);
    expect(hits.map((hit) => hit.path)).not.toContain(spokenTextPath(hash));
    expect((await caller.done).stats).toMatchObject({ successful: 1, failed: 0 });
    // The failed fetch costs seconds at most: the shipped prompts (3.4 s and 6.2 s) and the hang-up well before 25 s.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect((await recorded('2480')).outcome).toBe('closed');
  });
});
