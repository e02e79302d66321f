import { log } from '../../log.js';

/**
 * What one media node takes on at once (MAX_CALLS_SETTING_UP, MAX_CALLS_HELD; the defaults were
 * measured on the lab machine: README "Capacity", docs/decisions.md "Call set-up under load").
 */
export interface CapacityLimits {
  /** Callers between reaching the Stasis app and waiting in their queue with music (or hearing their menu, closed message, ringing). */
  settingUp: number;
  /** Callers this node holds in the app at once: being set up, waiting, in a menu, talking. */
  held: number;
}

/**
 * Measured on the lab machine (2 cores, docs/decisions.md "Call set-up under load"): Asterisk
 * held 600 callers with music before set-ups failed at 700; at twice the set-up knee, 10 set-ups
 * at once kept the accepted calls set up within their first second where 40 did not.
 */
export const DEFAULT_CAPACITY: CapacityLimits = { settingUp: 10, held: 500 };

/** No limit: what the call-setup benchmark compares the limits against. */
export const UNLIMITED: CapacityLimits = { settingUp: Number.POSITIVE_INFINITY, held: Number.POSITIVE_INFINITY };

/** A limit reached, or `draining`: this instance is stopping (SIGTERM) and takes no new caller at all. */
export type Refusal = 'setting-up' | 'held' | 'draining';

/** How often refusals are summed up in the log (one warn line per period while refusing, not one per call). */
const REFUSAL_LOG_EVERY_MS = 10_000;

/**
 * The admission of new callers on this node. Past either limit a new caller is refused before
 * it is answered (media/arrival/: busy), so Asterisk is never asked to hold more than it can set
 * up in time; callers already admitted are never affected. Counted in memory: one app instance
 * drives one media node, and its callers are the channels of its own Stasis app.
 */
export function createCapacity(limits: CapacityLimits, { now = Date.now }: { now?: () => number } = {}) {
  const settingUp = new Set<string>();
  const held = new Set<string>();
  const refused = { 'setting-up': 0, held: 0 };
  let lastSummary = now();
  let draining = false;

  const state = () => ({ settingUp: settingUp.size, held: held.size });

  function summarise(): void {
    const total = refused['setting-up'] + refused.held;
    if (total === 0 || now() - lastSummary < REFUSAL_LOG_EVERY_MS) return;
    log.warn(
      { refused: { ...refused }, ...state(), limits },
      'media node at capacity: new calls refused (busy) in the last period',
    );
    refused['setting-up'] = 0;
    refused.held = 0;
    lastSummary = now();
  }

  return {
    limits,

    /** A new caller: admitted (from now on held and being set up), or the limit that refuses it. */
    admit(callId: string): Refusal | undefined {
      if (draining) return 'draining';
      const refusal: Refusal | undefined =
        held.size >= limits.held ? 'held' : settingUp.size >= limits.settingUp ? 'setting-up' : undefined;
      if (refusal) {
        refused[refusal] += 1;
        summarise();
        return refusal;
      }
      held.add(callId);
      settingUp.add(callId);
      return undefined;
    },

    /** The caller's set-up is over: in the queue with music, on its way elsewhere (menu, extension, closed), or failed. */
    setUpOver(callId: string): void {
      settingUp.delete(callId);
    },

    /** A caller this process did not admit but holds (found again after a start or reconnect): counted, never refused. */
    holding(callId: string): void {
      held.add(callId);
    },

    /** The caller left the app. */
    left(callId: string): void {
      settingUp.delete(callId);
      held.delete(callId);
    },

    /** From now on every new caller is refused (`draining`); those held go on. */
    stopAdmitting(): void {
      draining = true;
    },

    /** Callers being set up and held now. */
    state,
  };
}

export type Capacity = ReturnType<typeof createCapacity>;
