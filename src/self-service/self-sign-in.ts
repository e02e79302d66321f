import { type Principal, SELF_ROLE } from '../auth/access.js';
import type { TokenStore } from '../auth/token-store.js';
import type { ExtensionStore } from '../admin/extensions.js';
import type { PersonOfExtension } from '../directory/entries/person-of-extension.js';
import { AppError } from '../errors.js';
import { type FailureBudget, failureLimiter, takePoint } from '../auth/failure-budget.js';
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
 * the person the extension stands for (directory/entries/person-of-extension.ts), which may only
 * set that entry's hänvisning.
 * Every way of failing (no such extension, no PIN, no linked entry, wrong PIN) gives the same
 * answer and counts against the extension, so the answer tells a guesser nothing.
 */
export function createSelfSignIn(deps: {
  redis: RedisClient;
  k: Keys;
  extensions: Pick<ExtensionStore, 'get'>;
  personOfExtension: PersonOfExtension;
  pins: ExtensionPins;
  tokens: Pick<TokenStore, 'createSession'>;
  budget?: FailureBudget;
}) {
  // Counted as the SIP edge's digest failures are (auth/failure-budget.ts).
  const failures = failureLimiter(deps.redis, deps.k.selfSignInFailures(), deps.budget ?? SIGN_IN_FAILURE_BUDGET);

  /**
   * Runs `check` of a PIN for `extension` within its failure budget: every try takes its point
   * before the PIN is checked, and a right PIN gives it back, so tries sent at once cannot all
   * pass a look at the count before any of them is counted. `check` answers whether the PIN was
   * right; a wrong one throws `wrong`, a spent budget 429.
   */
  async function withinBudget<T>(extension: string, check: () => Promise<T | undefined>, wrong: AppError): Promise<T> {
    const refused = await takePoint(failures, extension);
    if (refused)
      throw new AppError(
        429,
        'too_many_attempts',
        `Too many wrong PINs for extension ${extension}: try again in ${Math.ceil(refused.msBeforeNext / 60_000)} minutes`,
      );
    const passed = await check();
    if (passed === undefined) throw wrong;
    await failures.delete(extension);
    return passed;
  }

  async function entryOf(extensionNumber: string, pin: string) {
    const { extensionId, entry } = await deps.personOfExtension(extensionNumber);
    const matches = await deps.pins.matches(extensionId, pin);
    return matches && entry && extensionId !== undefined ? { entry, extensionId } : undefined;
  }

  return {
    async signIn(extension: string, pin: string): Promise<{ token: string; expiresAt: string; entryId: string }> {
      const { entry, extensionId } = await withinBudget(
        extension,
        () => entryOf(extension, pin),
        new AppError(401, 'wrong_pin', 'The extension number or the PIN is wrong'),
      );
      const { token, record } = await deps.tokens.createSession(
        {
          name: `${entry.name} (anknytning ${extension})`,
          role: SELF_ROLE,
          municipalityId: entry.municipalityId,
          entryId: entry.id,
          extensionId,
        },
        SELF_SESSION_SECONDS,
      );
      return { token, expiresAt: record.expiresAt!, entryId: entry.id };
    },

    /**
     * A signed-in person changes their own PIN (the personal page): the current one is checked
     * within the same failure budget as a sign-in (a stolen session must not become a way to
     * guess it), and the change is audited as `extension-pin` `{pin: "changed"}` with the person
     * as actor. A wrong current PIN is a 400 naming body.currentPin (the session itself is fine,
     * and the page shows it at the field).
     */
    async changePin(session: Principal, currentPin: string, newPin: string): Promise<void> {
      const stored = session.extensionId === undefined ? undefined : await deps.extensions.get(session.extensionId);
      // The extension deleted, or relinked to someone else, since the sign-in: this session no longer speaks for it.
      if (!stored || (await deps.personOfExtension(stored.doc.extension)).entry?.id !== session.entryId)
        throw new AppError(403, 'forbidden', 'This session is not for an extension whose PIN it may change');
      await withinBudget(
        stored.doc.extension,
        async () => ((await deps.pins.matches(stored.id, currentPin)) ? true : undefined),
        new AppError(400, 'wrong_pin', 'body.currentPin: is not the extension’s PIN', [
          { field: 'body.currentPin', problem: 'is not the extension’s PIN' },
        ]),
      );
      await deps.pins.set({ id: stored.id, municipalityId: stored.doc.municipalityId }, newPin, session, 'changed');
    },
  };
}

export type SelfSignIn = ReturnType<typeof createSelfSignIn>;
