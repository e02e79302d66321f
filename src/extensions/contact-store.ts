import Srf from 'drachtio-srf';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { redisMillis } from '../store/redis-clock.js';

/**
 * The address a binding is reached at, "host:port" ("[v6]:port"), with the port its URI
 * implies when it names none (5061 for sips or TLS, else 5060): the key of the reverse index.
 * An unreadable URI is its own key (nothing will look it up).
 */
export function bindingAddress(contact: string): string {
  let parsed: ReturnType<typeof Srf.parseUri> | undefined;
  try {
    parsed = Srf.parseUri(contact);
  } catch {
    parsed = undefined;
  }
  if (!parsed?.host) return contact;
  const secure = parsed.scheme === 'sips' || parsed.params?.transport?.toLowerCase() === 'tls';
  const host = parsed.host.includes(':') && !parsed.host.startsWith('[') ? `[${parsed.host}]` : parsed.host;
  // drachtio-srf's parser gives NaN for a URI without a port.
  const port = Number.isFinite(parsed.port) ? parsed.port : secure ? 5061 : 5060;
  return `${host}:${port}`.toLowerCase();
}

/** "host:port" of a request's source, as bindingAddress writes it. */
export function sourceAddress(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`.toLowerCase();
}

/**
 * Where an extension's phones can be reached: the SIP contacts they registered, each with its
 * expiry. The SIP edge's registrar writes them; the media side reads them to ring an extension
 * (direct-dial numbers, transfers). One sorted set per extension, scored by expiry, so that an
 * expired binding is simply not read; and the same bindings by address (who is registered at
 * host:port), which a 112 call's caller ID is looked up in. One script writes both
 * (store/lua/contact-binding-2.lua), so the two views never disagree.
 */
export function createContactStore(redis: RedisClient, k: Keys) {
  const nowMs = () => redisMillis(redis);

  const write = (extension: string, contact: string, seconds: number) =>
    redis.contactBinding(
      [k.contacts(extension), k.contactsAt(bindingAddress(contact))],
      [k.prefix, contact, `${extension} ${contact}`, String(seconds)],
    );

  return {
    /** Adds or refreshes one contact of the extension (a phone may register several). */
    async bind(extension: string, contact: string, expiresInSeconds: number): Promise<void> {
      await write(extension, contact, Math.max(1, Math.ceil(expiresInSeconds)));
    },

    async unbind(extension: string, contact: string): Promise<void> {
      await write(extension, contact, 0);
    },

    /** The extension's unexpired contacts, the most recently refreshed first. */
    async contacts(extension: string): Promise<string[]> {
      return redis.zRange(k.contacts(extension), '+inf', `(${await nowMs()}`, { BY: 'SCORE', REV: true });
    },

    /** The unexpired bindings at `hostPort` (bindingAddress/sourceAddress), the most recently refreshed first, with their expiry (ms). */
    async at(hostPort: string): Promise<{ extension: string; contact: string; expiresAt: number }[]> {
      const found = await redis.zRangeWithScores(k.contactsAt(hostPort), '+inf', `(${await nowMs()}`, {
        BY: 'SCORE',
        REV: true,
      });
      return found.map(({ value, score }) => {
        const space = value.indexOf(' ');
        return { extension: value.slice(0, space), contact: value.slice(space + 1), expiresAt: score };
      });
    },
  };
}

export type ContactStore = ReturnType<typeof createContactStore>;
