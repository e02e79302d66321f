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

/**
 * A PIN a person chooses themselves (the personal page): besides 4–12 digits, not one a
 * neighbour guesses first. One digit repeated (0000) and a run up or down (1234, 4321,
 * 0123456789) are the commonest PINs of all; a guesser with five tries a quarter hour tries
 * them first. IT staff's PIN (set through the extension API) is a first one to be changed.
 */
export const ChosenPinSchema = PinSchema.refine((pin) => new Set(pin).size > 1, 'must not be one digit repeated')
  .refine((pin) => !isRun(pin, 1) && !isRun(pin, -1), 'must not be a run of digits such as 1234 or 4321')
  .openapi({ format: 'password', writeOnly: true, example: '4816' });

function isRun(pin: string, step: 1 | -1): boolean {
  return [...pin].every((digit, i) => i === 0 || Number(digit) === Number(pin[i - 1]) + step);
}

/** How a PIN is kept: "salt:hash", 16 and 32 bytes in hex (hashPin). */
export const HASHED_PIN = /^[0-9a-f]{32}:[0-9a-f]{64}$/;

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
    how: 'set' | 'changed' = 'set',
  ): Promise<void> {
    const tx = redis.multi();
    if (stored === null) tx.del(k.extensionPin(extension.id));
    else tx.set(k.extensionPin(extension.id), stored);
    audit.append(tx, actor, {
      action: stored === null ? 'delete' : 'update',
      object: { type: 'extension-pin', id: extension.id },
      municipalityId: extension.municipalityId,
      ...(stored === null ? {} : { after: { pin: how } }),
    });
    await tx.exec();
  }

  return {
    /** Sets the PIN: by IT staff (`set`), or by its person on the personal page (`changed`, self-sign-in.ts changePin). */
    async set(
      extension: { id: string; municipalityId: string },
      pin: string,
      actor: Principal,
      how: 'set' | 'changed' = 'set',
    ): Promise<void> {
      await change(extension, await hashPin(pin), actor, how);
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
    /** The hashes of those of `extensionIds` that have a PIN, by extension id (a backup: backup/); never a PIN. */
    async backupPins(extensionIds: string[]): Promise<Record<string, string>> {
      const stored = extensionIds.length === 0 ? [] : await redis.mGet(extensionIds.map((id) => k.extensionPin(id)));
      return Object.fromEntries(extensionIds.flatMap((id, i) => (stored[i] ? [[id, stored[i]]] : [])));
    },
    /** The command that stores a backed-up hash as `set` did. */
    restoreCommands(extensionId: string, hashed: string): string[][] {
      return [['SET', k.extensionPin(extensionId), hashed]];
    },
  };
}

export type ExtensionPins = ReturnType<typeof createExtensionPins>;
