import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { log } from '../../log.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { SPEECH_VERSION, speakToWav } from './speak.js';

/**
 * Texts IT staff store (a closed message, queue announcements) as audio Asterisk plays from a
 * URL: `sound:<base>/media/spoken/<sha256>.wav`, fetched and cached by Asterisk's
 * res_http_media_cache, so app and Asterisk need no shared filesystem. The hash covers the
 * voice and the text, so a changed text is a new URL and the audio behind a URL never changes.
 * The text is kept in Redis under its hash: whichever app instance Asterisk asks can speak it
 * on a miss of its own disk cache, and only texts given to `mediaUri` are ever spoken.
 */

export interface SpokenTextSettings {
  /** Where this instance keeps the WAVs it spoke (a cache: Redis has the texts). */
  cacheDir: string;
  /** The app's address as Asterisk reaches it; read at each use (the switchboard knows its port only once it listens). */
  baseUrl: () => string;
}

/** Unless SPOKEN_TEXT_CACHE_DIR says otherwise. */
export const DEFAULT_SPOKEN_TEXT_CACHE_DIR = join(tmpdir(), 'regionvaxel-spoken-text');

/**
 * The app's address for an Asterisk on the same host (the default base URL): where the HTTP
 * server listens, a wildcard address, which is not one to connect to, as loopback.
 */
export function localBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** A sha256 in hex: what names a spoken text in its URL and in Redis. */
export const SPOKEN_TEXT_HASH = /^[0-9a-f]{64}$/;

/** The path Asterisk fetches a spoken text from (http/routes/spoken.ts serves it). */
export const spokenTextPath = (hash: string) => `/media/spoken/${hash}.wav`;

/**
 * Kept this long after the last `mediaUri` for it. Asterisk fetches a URL seconds after being
 * given it and then plays its own copy (kept as long as our Cache-Control says); a text not
 * used for a month is gone from Redis, and speaking it again stores it again.
 */
const REMEMBER_SECONDS = 30 * 86_400;

const StoredText = z.object({ voice: z.string(), text: z.string() });

/** espeak-ng's voice for a BCP 47 language tag: its primary language (sv-FI → sv). */
export function voiceFor(language: string): string {
  const primary = /^([a-z]{2,3})(?:-|$)/i.exec(language)?.[1];
  if (!primary) throw new Error(`"${language}" is not a language tag`);
  return primary.toLowerCase();
}

export function spokenTextHash(voice: string, text: string): string {
  return createHash('sha256').update(`${SPEECH_VERSION}\n${voice}\n${text}`).digest('hex');
}

export function createSpokenTexts(redis: RedisClient, k: Keys, settings: SpokenTextSettings) {
  const { cacheDir } = settings;
  /** Speaking under way per hash, so concurrent requests for one text speak it once. */
  const speaking = new Map<string, Promise<string>>();
  let cacheReady: Promise<void> | undefined;

  /**
   * The cache dir made private to this user. The default lies in the shared temp dir, where
   * another user could have made it first and put their own audio under our hashes.
   */
  function ensureCacheDir(): Promise<void> {
    cacheReady ??= (async () => {
      await mkdir(cacheDir, { recursive: true, mode: 0o700 });
      const dir = await lstat(cacheDir);
      const uid = process.getuid?.();
      if (!dir.isDirectory() || (uid !== undefined && dir.uid !== uid) || (dir.mode & 0o022) !== 0) {
        throw new Error(
          `${cacheDir} (spoken texts' cache) must be a directory of this user that no one else may write to; set SPOKEN_TEXT_CACHE_DIR`,
        );
      }
    })().catch((error: unknown) => {
      cacheReady = undefined;
      throw error;
    });
    return cacheReady;
  }

  /** The WAV of the text in this instance's cache, spoken now unless already there. */
  function spoken(hash: string, voice: string, text: string): Promise<string> {
    const file = join(cacheDir, `${hash}.wav`);
    let job = speaking.get(hash);
    if (!job) {
      job = (async () => {
        await ensureCacheDir();
        if (
          await stat(file).then(
            (s) => s.isFile(),
            () => false,
          )
        )
          return file;
        // Spoken beside it and renamed into place: a reader never gets half a file.
        const partial = join(cacheDir, `${hash}.${randomBytes(4).toString('hex')}.wav`);
        try {
          const started = Date.now();
          await speakToWav(text, voice, partial);
          await rename(partial, file);
          log.debug({ hash, voice, characters: text.length, ms: Date.now() - started }, 'text spoken');
        } finally {
          await rm(partial, { force: true });
        }
        return file;
      })().finally(() => speaking.delete(hash));
      speaking.set(hash, job);
    }
    return job;
  }

  return {
    /**
     * The ARI media URI of `text` spoken in `language`. Spoken here first, so a text that cannot
     * be spoken (no espeak-ng voice for the language, tools missing) fails now, before anything
     * is played, and Asterisk's fetch finds it ready; then remembered in Redis for any instance.
     */
    async mediaUri(text: string, language: string): Promise<string> {
      const voice = voiceFor(language);
      const hash = spokenTextHash(voice, text);
      await spoken(hash, voice, text);
      await redis.set(k.spokenText(hash), JSON.stringify({ voice, text }), { EX: REMEMBER_SECONDS });
      return `sound:${settings.baseUrl()}${spokenTextPath(hash)}`;
    },

    /** The WAV of a remembered text (spoken on a miss of this instance's cache); undefined for a hash never given out. */
    async audio(hash: string): Promise<Buffer | undefined> {
      const stored = await redis.get(k.spokenText(hash));
      if (stored === null) return undefined;
      const { voice, text } = StoredText.parse(JSON.parse(stored));
      return readFile(await spoken(hash, voice, text));
    },
  };
}

export type SpokenTexts = ReturnType<typeof createSpokenTexts>;
