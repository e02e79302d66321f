import { log } from '../log.js';

/** How long one WAIT may take before the replicas count as not confirming (then writes go on unconfirmed). */
export const REPLICA_ACK_TIMEOUT_MS = 500;
/** While replicas do not confirm, whether they are back in step is looked at this often. */
const RECHECK_MS = 1_000;
/** A replica this many seconds behind (INFO replication `lag`) is not in step. */
const IN_STEP_LAG_SECONDS = 1;

export interface ReplicaAcks {
  /** `required` replicas; `confirming`: writes are answered only once that many have them. */
  state(): { required: number; confirming: boolean };
  stop(): void;
}

/**
 * Every state change (a Lua script that writes: store/scripts.ts, the directory's) is answered
 * only once `replicas` replicas have it: WAIT on the connection that wrote, after the script.
 * A failover then loses no enqueue, claim or answer that a caller or an API client was told had
 * happened (Sentinel promotes the replica that has it).
 *
 * One WAIT covers every write sent before it on its connection, and commands on a connection
 * are sent in the order they are issued, so concurrent changes share WAITs: a change joins the
 * last WAIT issued after it, or issues one. That makes the cost one replica round trip per
 * change (docs/decisions.md, "Redis that fails over", the measured latency), not a queue of them.
 *
 * When the replicas do not confirm within REPLICA_ACK_TIMEOUT_MS (the replica is down or far
 * behind), changes go on without waiting, logged and shown in /health, until INFO replication
 * shows enough replicas online and in step again: a region with a lost replica keeps answering
 * calls (it has nothing to fail over to anyway) rather than stop on its standby.
 */
export function requireReplicaAcks(
  client: object,
  command: (args: string[]) => Promise<unknown>,
  scripts: Record<string, { IS_READ_ONLY?: boolean }>,
  { replicas }: { replicas: number },
): ReplicaAcks {
  const ackLog = log.child({ component: 'redis-replicas', required: replicas });
  const methods = client as Record<string, (...args: unknown[]) => Promise<unknown>>;
  /** Writes issued so far, numbered; a WAIT covers those issued before it. */
  let issued = 0;
  let lastWait: { covers: number; count: Promise<number> } | undefined;
  let confirming = true;
  let recheck: NodeJS.Timeout | undefined;

  async function confirmed(write: number): Promise<void> {
    if (!confirming) return;
    if (!lastWait || lastWait.covers < write) {
      lastWait = {
        covers: issued,
        count: command(['WAIT', String(replicas), String(REPLICA_ACK_TIMEOUT_MS)]).then(Number),
      };
    }
    const count = await lastWait.count;
    if (count >= replicas || !confirming) return;
    confirming = false;
    ackLog.error(
      { confirmed: count },
      `the Redis replicas did not confirm a change within ${REPLICA_ACK_TIMEOUT_MS} ms: changes go on unconfirmed until they are back in step`,
    );
    recheck = setInterval(() => void inStep().catch(() => undefined), RECHECK_MS);
    recheck.unref();
  }

  async function inStep(): Promise<void> {
    const info = String(await command(['INFO', 'replication']));
    const online = [...info.matchAll(/^slave\d+:.*state=online.*lag=(\d+)/gm)].filter(
      (m) => Number(m[1]) <= IN_STEP_LAG_SECONDS,
    ).length;
    if (online < replicas || confirming) return;
    // INFO only says the replicas are near; a WAIT here covers every change made while they did
    // not confirm, so "confirming" again means all of those are on them too. Only once INFO has
    // seen them online, so a missing replica never blocks the connection for the WAIT's timeout.
    const count = Number(await command(['WAIT', String(replicas), String(REPLICA_ACK_TIMEOUT_MS)]));
    if (count < replicas || confirming) return;
    confirming = true;
    clearInterval(recheck);
    ackLog.info({ online }, 'the Redis replicas are back in step: changes are answered once they have them');
  }

  for (const [name, script] of Object.entries(scripts)) {
    if (script.IS_READ_ONLY) continue;
    const run = methods[name]!.bind(client);
    methods[name] = async (...args: unknown[]) => {
      const write = ++issued;
      const reply = await run(...args);
      await confirmed(write);
      return reply;
    };
  }

  return {
    state: () => ({ required: replicas, confirming }),
    stop: () => clearInterval(recheck),
  };
}
