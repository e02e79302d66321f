import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../log.js';
import { type AsteriskInstance, startAsterisk, type StartAsteriskOptions } from './asterisk.js';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export interface SupervisedAsterisk {
  /** The instance running now (a new one after each restart, on the same ports and ARI password). */
  current(): AsteriskInstance;
  /** Stops watching, then stops Asterisk. */
  stop(): Promise<void>;
}

/**
 * Keeps the lab's Asterisk running as systemd would a deployed one: when it dies (a crash, a
 * kill -9), it is started again on the same SIP and ARI ports with the same ARI password, so
 * the switchboard's ARI connection finds it by itself (media/ari-connection.ts reconnects and
 * reconciles). Starting again backs off from 1 s to 30 s while it fails.
 */
export async function superviseAsterisk(
  options: StartAsteriskOptions & { onRestart?: (instance: AsteriskInstance) => void },
): Promise<SupervisedAsterisk> {
  let current = await startAsterisk(options);
  const again = {
    ...options,
    sipPort: current.sipPort,
    ariPort: Number(new URL(current.ariUrl).port),
    ariPassword: current.ariPassword,
  };
  let stopped = false;
  const labLog = log.child({ component: 'lab', sipPort: again.sipPort, ariPort: again.ariPort });

  async function watch(instance: AsteriskInstance): Promise<void> {
    const why = await instance.exited;
    if (stopped || instance !== current) return;
    labLog.error({ reason: why.message }, 'the lab’s Asterisk died; starting it again on the same ports');
    await instance.stop(); // Its files; the process is gone already.
    for (let delay = FIRST_RETRY_MS; !stopped; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
      try {
        current = await startAsterisk(again);
        if (stopped) return void (await current.stop());
        labLog.info('the lab’s Asterisk runs again');
        options.onRestart?.(current);
        void watch(current);
        return;
      } catch (error) {
        labLog.error({ err: error, retryInMs: delay }, 'could not start the lab’s Asterisk again');
        await sleep(delay);
      }
    }
  }
  void watch(current);

  return {
    current: () => current,
    async stop() {
      stopped = true;
      await current.stop();
    },
  };
}
