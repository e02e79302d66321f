import { serve } from '@hono/node-server';
import ari, { type Client } from 'ari-client';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/app.js';
import { startAsterisk, type AsteriskInstance } from '../../src/lab/asterisk.js';
import { defaultLabDir } from '../../src/lab/provision.js';
import { startRedisServer, type RedisServer } from '../../src/lab/redis-server.js';
import { createSpokenTexts, type SpokenTexts } from '../../src/media/spoken-text/spoken-texts.js';
import { keys } from '../../src/store/keys.js';
import { connectRedis, type RedisNodeClient } from '../../src/store/redis-client.js';
import { buildTestApp } from '../support/http-app.js';
import { runCaller } from '../support/sipp.js';

/**
 * Stored texts played by the lab's real Asterisk 22: the app gives a caller's channel (or its
 * holding bridge) `sound:http://…/media/spoken/<sha256>.wav`; Asterisk's res_http_media_cache
 * fetches it from the app's HTTP server and plays it. Also what ARI says when it cannot.
 */

const appName = `spoken-${randomUUID().slice(0, 8)}`;
let asterisk: AsteriskInstance;
let client: Client;
let redisServer: RedisServer;
let redis: RedisNodeClient;
const cleanups: (() => Promise<unknown>)[] = [];

interface Hit {
  path: string;
  status: number;
}
interface Served {
  baseUrl: string;
  cacheDir: string;
  hits: Hit[];
  spoken: SpokenTexts;
}

/** An app instance (the switchboard's HTTP app) on its own port and cache dir, counting what Asterisk asks it for. */
async function serveApp(cacheDir: string): Promise<Served> {
  const k = keys('lab-spoken');
  const services = await buildTestApp({ server: redisServer, redis, k, connect: () => connectRedis(redisServer.url) });
  const hits: Hit[] = [];
  let baseUrl = '';
  const spoken = createSpokenTexts(redis, k, { cacheDir, baseUrl: () => baseUrl });
  const app = createHttpApp({
    ...services,
    ari: { client: () => client, isConnected: () => true, close: () => undefined },
    spokenTexts: spoken,
  });
  const server = serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (request) => {
      const response = await app.fetch(request);
      hits.push({ path: new URL(request.url).pathname, status: response.status });
      return response;
    },
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { baseUrl, cacheDir, hits, spoken };
}

async function newCacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spoken-lab-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Played {
  state: string;
  seconds: number;
  /** PlaybackContinuing events: one media of a list ended (played or failed) and the next began. */
  continued: number;
}
const finished = new Map<string, (state: string) => void>();
const continuing: string[] = [];
let arrived: ((channelId: string) => void) | undefined;

/** Plays `media` (in turn) on the channel or into the bridge, as the arrival code does, until PlaybackFinished. */
async function play(target: { channelId: string } | { bridgeId: string }, media: string[]): Promise<Played> {
  const playbackId = randomUUID();
  const done = new Promise<string>((resolve) => finished.set(playbackId, resolve));
  const started = Date.now();
  const request = { media: media.join(','), playbackId, lang: 'sv' };
  await ('channelId' in target
    ? client.channels.play({ ...request, channelId: target.channelId })
    : client.bridges.play({ ...request, bridgeId: target.bridgeId }));
  const state = await done;
  return {
    state,
    seconds: (Date.now() - started) / 1000,
    continued: continuing.filter((id) => id === playbackId).length,
  };
}

/** A citizen's call from the carrier into the Stasis app, answered; `work` runs with its channel, then the app hangs up. */
async function onCall<T>(work: (channelId: string) => Promise<T>): Promise<T> {
  const channel = new Promise<string>((resolve) => (arrived = resolve));
  const caller = runCaller(asterisk, '093514100', {
    hangupAfterMs: 90_000,
    timeoutMs: 120_000,
  });
  const channelId = await channel;
  await client.channels.answer({ channelId });
  try {
    return await work(channelId);
  } finally {
    await client.channels.hangup({ channelId }).catch(() => undefined);
    expect((await caller).stats).toMatchObject({ successful: 1, failed: 0 });
  }
}

/** Seconds of speech in the WAV the instance spoke (8 kHz, 16 bit, mono, 44-byte header). */
async function secondsOf(served: Served, mediaUri: string): Promise<number> {
  return ((await stat(join(served.cacheDir, basename(pathOf(mediaUri))))).size - 44) / 16_000;
}

const pathOf = (mediaUri: string) => new URL(mediaUri.replace(/^sound:/, '')).pathname;

beforeAll(async () => {
  [asterisk, redisServer] = await Promise.all([
    startAsterisk({ labDir: defaultLabDir(), appName }),
    startRedisServer({}),
  ]);
  redis = await connectRedis(redisServer.url, { name: 'spoken-lab' });
  client = await ari.connect(asterisk.ariUrl, asterisk.ariUser, asterisk.ariPassword);
  client.on('StasisStart', (_event, channel) => arrived?.(channel.id));
  client.on('PlaybackFinished', (event) => finished.get(event.playback.id)?.(event.playback.state));
  client.on('PlaybackContinuing', (event) => continuing.push(event.playback.id));
  await client.start(appName);
});

afterAll(async () => {
  client?.stop();
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  await redis?.close();
  await Promise.all([asterisk?.stop(), redisServer?.stop()]);
});

describe('a stored text played by the lab Asterisk over HTTP', () => {
  it('is fetched from the app once and played to the caller; played again, Asterisk plays its own cached copy', async () => {
    const served = await serveApp(await newCacheDir());
    const uri = await served.spoken.mediaUri('Välkommen till Vännäs kommun. Växeln är stängd just nu.', 'sv');
    const seconds = await secondsOf(served, uri);

    const [first, second] = await onCall(async (channelId) => [
      await play({ channelId }, [uri]),
      await play({ channelId }, [uri]),
    ]);

    expect(first.state).toBe('done');
    // Played for as long as the speech lasts: Asterisk had the audio, not an empty file.
    expect(first.seconds).toBeGreaterThan(seconds * 0.9);
    expect(served.hits).toEqual([{ path: pathOf(uri), status: 200 }]);
    expect(second.state).toBe('done');
    expect(second.seconds).toBeGreaterThan(seconds * 0.9);
    expect(await asterisk.cli('media cache show all')).toContain(uri.replace(/^sound:/, ''));
  });

  it('plays into a caller’s holding bridge too (as queue announcements are), through the bridge’s announcer channel', async () => {
    const served = await serveApp(await newCacheDir());
    const uri = await served.spoken.mediaUri('Du står i kö till Vännäs kommuns växel.', 'sv');

    const played = await onCall(async (channelId) => {
      const bridge = await client.bridges.create({ type: 'holding' });
      try {
        await bridge.addChannel({ channel: channelId });
        return await play({ bridgeId: bridge.id }, [uri]);
      } finally {
        await bridge.destroy().catch(() => undefined);
      }
    });

    expect(played.state).toBe('done');
    expect(served.hits).toEqual([{ path: pathOf(uri), status: 200 }]);
  });
});

describe('when Asterisk cannot get the audio', () => {
  it('the play request still succeeds and PlaybackFinished says "failed": for a 404, a 500 (text not speakable there) and an app out of reach', async () => {
    const served = await serveApp(await newCacheDir());
    const unknown = `sound:${served.baseUrl}/media/spoken/${'0'.repeat(64)}.wav`;
    // Another instance whose cache dir is unusable: it knows the text (Redis) but cannot speak it.
    const brokenDir = join(await newCacheDir(), 'not-a-dir');
    await writeFile(brokenDir, '');
    const broken = await serveApp(brokenDir);
    const known = await served.spoken.mediaUri('Tack för att du väntar.', 'sv');
    const unspeakable = `sound:${broken.baseUrl}${pathOf(known)}`;
    const unreachable = `sound:http://127.0.0.1:1${pathOf(known)}`;

    const results = await onCall(async (channelId) => ({
      notFound: await play({ channelId }, [unknown]),
      serverError: await play({ channelId }, [unspeakable]),
      outOfReach: await play({ channelId }, [unreachable]),
      // A failed media in a list is passed over: the list goes on and ends "done".
      listGoesOn: await play({ channelId }, [unknown, 'sound:regionvaxel/closed']),
    }));

    expect(results.notFound).toMatchObject({ state: 'failed', continued: 0 });
    expect(results.serverError).toMatchObject({ state: 'failed' });
    expect(results.outOfReach).toMatchObject({ state: 'failed' });
    expect(results.listGoesOn).toMatchObject({ state: 'done', continued: 1 });
    // Asterisk asks once per language it tries (sv, none, then its default en) before giving up.
    expect(served.hits.filter((hit) => hit.status === 404)).toHaveLength(2 * 3);
    expect(broken.hits).toEqual(Array(3).fill({ path: pathOf(known), status: 500 }));
  });
});
