import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Principal } from '../auth/access.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { z } from '../validation/schema.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** Digits only, as on a phone's keypad (the same PIN may one day serve the feature codes). */
export const PinSchema = z
  .string({ error: 'is required: the PIN of the extension' })
  .regex(/^\d{4,12}$/, 'must be 4 to 12 digits')
  .openapi({ format: 'password', writeOnly: true, example: '4711' });

const KEY_LENGTH = 32;
/** Compared against when there is no PIN, to take the time a real comparison takes. */
const NO_PIN = `${'0'.repeat(32)}:${'0'.repeat(KEY_LENGTH * 2)}`;

/**
 * A PIN is short and guessable offline, so it is kept only as a salted scrypt hash ("salt:hash",
 * hex) and the sign-in is rate-limited (self-sign-in.ts): a leaked Redis dump does not give the
 * PINs away cheaply, and nobody can try them online for long.
 */
async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${(await scryptAsync(pin, salt, KEY_LENGTH)).toString('hex')}`;
}

async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [salt, hash] = stored.split(':');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'hex');
  return timingSafeEqual(await scryptAsync(pin, Buffer.from(salt, 'hex'), expected.length), expected);
}

/**
 * The PINs of extensions, set (or removed) by IT staff: kept beside the extension by its id,
 * so renumbering the extension keeps it, and audited without the PIN.
 */
export function createExtensionPins(redis: RedisClient, k: Keys, audit: AuditLog) {
  async function change(
    extension: { id: string; municipalityId: string },
    stored: string | null,
    actor: Principal,
  ): Promise<void> {
    const tx = redis.multi();
    if (stored === null) tx.del(k.extensionPin(extension.id));
    else tx.set(k.extensionPin(extension.id), stored);
    audit.append(tx, actor, {
      action: stored === null ? 'delete' : 'update',
      object: { type: 'extension-pin', id: extension.id },
      municipalityId: extension.municipalityId,
      ...(stored === null ? {} : { after: { pin: 'set' } }),
    });
    await tx.exec();
  }

  return {
    async set(extension: { id: string; municipalityId: string }, pin: string, actor: Principal): Promise<void> {
      await change(extension, await hashPin(pin), actor);
    },
    async remove(extension: { id: string; municipalityId: string }, actor: Principal): Promise<void> {
      await change(extension, null, actor);
    },
    /**
     * Whether the extension (undefined: no such extension) has a PIN and it is `pin`. The hash is
     * computed either way, so the time of the answer does not tell which extensions have a PIN.
     */
    async matches(extensionId: string | undefined, pin: string): Promise<boolean> {
      const stored = extensionId === undefined ? null : await redis.get(k.extensionPin(extensionId));
      const matched = await pinMatches(pin, stored ?? NO_PIN);
      return stored !== null && matched;
    },
  };
}

export type ExtensionPins = ReturnType<typeof createExtensionPins>;
