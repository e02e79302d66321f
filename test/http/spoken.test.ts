import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { createHttpApp } from '../../src/http/app.js';
import { createSpokenTexts, localBaseUrl, type SpokenTexts } from '../../src/media/spoken-text/spoken-texts.js';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';

/**
 * Stored texts spoken by espeak-ng + sox (real tools, as the lab installs them) and served to
 * Asterisk at /media/spoken/<sha256>.wav without a token; only texts given out are spoken.
 */

const ctx = useRedis();
const BASE = 'http://127.0.0.1:8080';
const CLOSED = 'Vännäs kommuns växel är stängd. Ring 112 vid nödsituation.';

let dirs: string[] = [];
let app: ReturnType<typeof createHttpApp>;
let spoken: SpokenTexts;

async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spoken-test-'));
  dirs.push(dir);
  return dir;
}

/** Another app instance on the same Redis, with its own disk cache. */
async function instance(dir?: string) {
  const texts = createSpokenTexts(ctx.redis, ctx.k, { cacheDir: dir ?? (await cacheDir()), baseUrl: () => BASE });
  const services = await buildTestApp(ctx);
  return {
    texts,
    app: createHttpApp({
      ...services,
      ari: {
        client: () => {
          throw new Error('no Asterisk in this test');
        },
        isConnected: () => false,
        close: () => undefined,
      },
      spokenTexts: texts,
    }),
  };
}

beforeEach(async () => {
  ({ texts: spoken, app } = await instance());
});
afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

/** The path of a media URI, as Asterisk fetches it. */
const pathOf = (mediaUri: string) => new URL(mediaUri.replace(/^sound:/, '')).pathname;

/** The WAV header's format fields (44-byte canonical header, as sox writes it). */
function wavFormat(bytes: Buffer) {
  return {
    riff: bytes.toString('ascii', 0, 4),
    wave: bytes.toString('ascii', 8, 12),
    pcm: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    bits: bytes.readUInt16LE(34),
  };
}

describe('GET /media/spoken/{sha256}.wav', () => {
  it('serves a text given out as a media URI: 8 kHz 16-bit mono WAV, no token, cached for good', async () => {
    const uri = await spoken.mediaUri(CLOSED, 'sv');
    expect(uri).toMatch(new RegExp(`^sound:${BASE}/media/spoken/[0-9a-f]{64}\\.wav$`));

    const response = await app.request(pathOf(uri));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(wavFormat(bytes)).toEqual({ riff: 'RIFF', wave: 'WAVE', pcm: 1, channels: 1, sampleRate: 8000, bits: 16 });
    // Seconds of speech, not a stub: 16 000 bytes a second.
    expect(bytes.length).toBeGreaterThan(32_000);
  });

  it('answers 404 for a hash no text was given out under, and speaks nothing', async () => {
    const dir = await cacheDir();
    const { app: other } = await instance(dir);
    const response = await other.request(`/media/spoken/${'ab'.repeat(32)}.wav`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('spoken_text_not_found');
    expect(await readdir(dir)).toEqual([]);
  });

  it('answers 400 naming the path parameter for anything but 64 lowercase hex digits and .wav', async () => {
    for (const file of [
      'AB'.repeat(32) + '.wav',
      'ab'.repeat(31) + '.wav',
      'ab'.repeat(32) + '.mp3',
      'ab'.repeat(32),
      '..%2F..%2Fetc%2Fpasswd.wav',
    ]) {
      const response = await app.request(`/media/spoken/${file}`);
      expect(response.status, file).toBe(400);
      const body = await response.json();
      expect(body.error.details, file).toEqual([{ field: 'path.file', problem: expect.stringMatching(/SHA-256/) }]);
    }
  });

  it('lets any instance serve a text another gave out: the text is in Redis, each speaks it into its own cache', async () => {
    const uri = await spoken.mediaUri(CLOSED, 'sv');
    const dir = await cacheDir();
    const { app: other } = await instance(dir);
    const response = await other.request(pathOf(uri));
    expect(response.status).toBe(200);
    expect(wavFormat(Buffer.from(await response.arrayBuffer())).riff).toBe('RIFF');
    expect(await readdir(dir)).toEqual([pathOf(uri).split('/').pop()]);
  });

  it('answers 500 when a known text cannot be spoken (a cache dir others may write to is refused), saying nothing of why', async () => {
    const uri = await spoken.mediaUri(CLOSED, 'sv');
    const dir = await cacheDir();
    await chmod(dir, 0o777);
    const { app: other, texts } = await instance(dir);
    const response = await other.request(pathOf(uri));
    expect(response.status).toBe(500);
    expect((await response.json()).error.code).toBe('internal_error');
    await expect(texts.mediaUri('Hej', 'sv')).rejects.toThrow(/no one else may write to; set SPOKEN_TEXT_CACHE_DIR/);
  });
});

describe('spoken texts', () => {
  it('addresses audio by voice and text: the same text is the same URI, another language another', async () => {
    const first = await spoken.mediaUri(CLOSED, 'sv');
    expect(await spoken.mediaUri(CLOSED, 'sv-SE')).toBe(first);
    expect(await spoken.mediaUri(`${CLOSED} Välkommen åter.`, 'sv')).not.toBe(first);
    expect(await spoken.mediaUri(CLOSED, 'fi')).not.toBe(first);
  });

  it('speaks a text that starts with a dash as text, never as an option of espeak-ng', async () => {
    const uri = await spoken.mediaUri('--version', 'sv');
    const response = await app.request(pathOf(uri));
    expect(response.status).toBe(200);
    expect(wavFormat(Buffer.from(await response.arrayBuffer())).riff).toBe('RIFF');
  });

  it('fails at once for a language espeak-ng has no voice for, and remembers nothing', async () => {
    await expect(spoken.mediaUri('Buorre beaivi', 'se')).rejects.toThrow(/espeak-ng/);
    expect(await ctx.redis.keys(`${ctx.k.prefix}:spoken-text:*`)).toEqual([]);
  });
});

describe('SPOKEN_TEXT_BASE_URL', () => {
  it('is where the API listens unless set (known once it listens: the port may be 0), a wildcard host as loopback', () => {
    expect(readEnv({}).SPOKEN_TEXT_BASE_URL).toBeUndefined();
    expect(localBaseUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080');
    expect(localBaseUrl('0.0.0.0', 9000)).toBe('http://127.0.0.1:9000');
    expect(localBaseUrl('::', 9000)).toBe('http://[::1]:9000');
    expect(localBaseUrl('fd00::5', 9000)).toBe('http://[fd00::5]:9000');
  });

  it('loses a trailing slash when set, and is refused when not an http(s) URL ARI can take', () => {
    expect(readEnv({ SPOKEN_TEXT_BASE_URL: 'http://10.0.0.5:8080/vaxel/' }).SPOKEN_TEXT_BASE_URL).toBe(
      'http://10.0.0.5:8080/vaxel',
    );
    for (const refused of ['ftp://10.0.0.5/', 'http://10.0.0.5/a,b', 'not a url']) {
      expect(() => readEnv({ SPOKEN_TEXT_BASE_URL: refused }), refused).toThrow(/SPOKEN_TEXT_BASE_URL/);
    }
  });
});
