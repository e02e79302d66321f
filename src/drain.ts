import { log } from './log.js';
import type { Capacity } from './media/arrival/capacity.js';

/** How often a draining instance looks whether its last caller has gone. */
const DRAIN_POLL_MS = 250;

/**
 * A draining restart (SIGTERM): this instance takes no new caller (each is refused with a 503,
 * which the SIP edge or the carrier takes to another node), reports itself not ready, and lets
 * the callers it holds go on: waiting, talking, being transferred. It is drained when the last
 * has gone, or after `seconds`: the callers still there stay in Asterisk (holding bridge, talk
 * bridge) and this node's next instance finds them again (media/reconcile/). Nothing of a call
 * is ended by draining, so a restart drops none.
 */
export function createDrain(capacity: Pick<Capacity, 'stopAdmitting' | 'state'>) {
  let since: number | undefined;
  return {
    isDraining: (): boolean => since !== undefined,

    /** Stops admitting callers and resolves once none is held, or after `seconds` with how many remain. */
    async drain(seconds: number): Promise<{ held: number; waitedMs: number }> {
      since ??= Date.now();
      capacity.stopAdmitting();
      const deadline = since + seconds * 1000;
      log.warn(
        { held: capacity.state().held, drainSeconds: seconds },
        'draining: new calls refused (503) for another node; the calls held here go on',
      );
      while (capacity.state().held > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      const outcome = { held: capacity.state().held, waitedMs: Date.now() - since };
      if (outcome.held === 0) log.info(outcome, 'drained: no call is held here any more');
      else log.warn(outcome, 'drain time over: the calls still held stay in Asterisk for the next instance');
      return outcome;
    },
  };
}

export type Drain = ReturnType<typeof createDrain>;
