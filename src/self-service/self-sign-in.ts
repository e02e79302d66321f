import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { SELF_ROLE } from '../auth/access.js';
import type { TokenStore } from '../auth/token-store.js';
import type { ExtensionStore } from '../admin/extensions.js';
import type { DirectoryEntryStore } from '../directory/entries/entry-store.js';
import { AppError } from '../errors.js';
import type { FailureBudget } from '../sip-edge/security/auth-failures.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { ExtensionPins } from './extension-pins.js';

/**
 * Wrong PINs per extension number: a 4-digit PIN has 10 000 values, so five tries a quarter
 * hour leave a guesser about 500 days for a one-in-two chance. Counted per extension, not per
 * address, since a guesser can change address but must aim at one person's extension; someone
 * can lock a colleague out for a quarter hour that way, which only means asking the operator.
 */
export const SIGN_IN_FAILURE_BUDGET: FailureBudget = { points: 5, windowSeconds: 900, blockSeconds: 900 };

/** A working day's session at most: the page is used to set the hänvisning and leave. */
export const SELF_SESSION_SECONDS = 8 * 3600;

/**
 * Signing in on the personal page with an extension number and its PIN: a session token for
 * the directory entry the extension is linked to, which may only set that entry's hänvisning.
 * Every way of failing (no such extension, no PIN, no linked entry, wrong PIN) gives the same
 * answer and counts against the extension, so the answer tells a guesser nothing.
 */
export function createSelfSignIn(deps: {
  redis: RedisClient;
  k: Keys;
  extensions: Pick<ExtensionStore, 'idByClaim' | 'get'>;
  pins: ExtensionPins;
  entries: Pick<DirectoryEntryStore, 'get'>;
  tokens: Pick<TokenStore, 'createSession'>;
  budget?: FailureBudget;
}) {
  const { points, windowSeconds, blockSeconds } = deps.budget ?? SIGN_IN_FAILURE_BUDGET;
  // The same pattern as the SIP edge's digest failures (sip-edge/security/auth-failures.ts).
  const failures = new RateLimiterRedis({
    storeClient: deps.redis,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    keyPrefix: deps.k.selfSignInFailures(),
    points,
    duration: windowSeconds,
    blockDuration: blockSeconds,
    insuranceLimiter: new RateLimiterMemory({
      keyPrefix: 'self-sign-in-insurance',
      points,
      duration: windowSeconds,
      blockDuration: blockSeconds,
    }),
  });

  async function entryOf(extensionNumber: string, pin: string) {
    const id = await deps.extensions.idByClaim(`extension:${extensionNumber}`);
    const extension = id === undefined ? undefined : await deps.extensions.get(id);
    const matches = await deps.pins.matches(extension?.id, pin);
    const entryId = extension?.doc.directoryEntryId;
    return matches && entryId ? deps.entries.get(entryId) : undefined;
  }

  return {
    async signIn(extension: string, pin: string): Promise<{ token: string; expiresAt: string; entryId: string }> {
      // Every try takes its point before the PIN is checked, and a right PIN gives it back: tries
      // sent at once cannot all pass a look at the count before any of them is counted.
      const refused = await failures.consume(extension).then(
        () => undefined,
        (rejection: unknown) => {
          if (rejection instanceof Error) throw rejection;
          return rejection as RateLimiterRes;
        },
      );
      if (refused)
        throw new AppError(
          429,
          'too_many_attempts',
          `Too many wrong PINs for extension ${extension}: try again in ${Math.ceil(refused.msBeforeNext / 60_000)} minutes`,
        );
      const entry = await entryOf(extension, pin);
      if (!entry) throw new AppError(401, 'wrong_pin', 'The extension number or the PIN is wrong');
      await failures.delete(extension);
      const { token, record } = await deps.tokens.createSession(
        {
          name: `${entry.name} (anknytning ${extension})`,
          role: SELF_ROLE,
          municipalityId: entry.municipalityId,
          entryId: entry.id,
        },
        SELF_SESSION_SECONDS,
      );
      return { token, expiresAt: record.expiresAt!, entryId: entry.id };
    },
  };
}

export type SelfSignIn = ReturnType<typeof createSelfSignIn>;
