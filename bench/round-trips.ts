import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { parseCallRecord } from '../src/calls/call-records.js';
import { connectRedis } from '../src/store/redis-client.js';
import { eventually } from '../test/support/lab-switchboard.js';
import { SCENARIOS, startSipp } from '../test/support/sipp.js';
import { type LoadLab, waitForNoChannels } from './call-load.js';

const CALLS = 5;

/**
 * The ARI requests and Redis commands between a caller's arrival and "in the queue with music",
 * for one call at a time on an idle switchboard: ARI requests as this process sends them
 * (node:diagnostics_channel, the app runs in it), Redis commands as the server sees them
 * (MONITOR), both from the channel's creation (the record's arrivedAt) to the enqueue that ends
 * the set-up (the record's enqueuedAt). Background work (the overflow sweep, reconcile) may fall
 * into a window: the call with the fewest is shown, with its commands.
 */
export async function countSetUpRoundTrips(load: LoadLab, number: string): Promise<void> {
  const ari: { at: number; what: string }[] = [];
  const onRequest = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    ari.push({ at: Date.now(), what: `${request.method} ${decodeURIComponent(request.path).replace(/^\/ari/, '')}` });
  };
  subscribe('http.client.request.start', onRequest);
  const monitor = await connectRedis(load.lab.redis.url, { name: 'bench-monitor' });
  const redis: { at: number; what: string }[] = [];
  // The benchmark's own reads (finding the call) are not the app's.
  const own = /addr=(\S+)/.exec(String(await load.redis.sendCommand(['CLIENT', 'INFO'])))?.[1];
  await monitor.monitor((reply) => {
    const [, at = '0', client = '', command = ''] = /^(\d+\.\d+) \[\d+ (\S+)\] (.*)$/.exec(reply) ?? [];
    // "lua": commands a script runs inside its one round trip.
    if (client !== own && client !== 'lua')
      redis.push({ at: Number(at) * 1000, what: command.replace(/"/g, '').slice(0, 100) });
  });
  let best: { ari: string[]; redis: string[] } | undefined;
  try {
    for (let i = 0; i < CALLS; i++) {
      const k = load.lab.switchboard.keys;
      const seen = await load.redis.zCard(k.callsByTime());
      const caller = await startSipp({
        scenarioFile: SCENARIOS.caller,
        remote: load.target,
        service: number,
        vars: { hangup_after_ms: '3000' },
        timeoutMs: 30_000,
      });
      const callId = await eventually(
        async () =>
          (await load.redis.zCard(k.callsByTime())) > seen
            ? (await load.redis.zRange(k.callsByTime(), -1, -1))[0]
            : undefined,
        { what: 'the call queued', timeoutMs: 30_000 },
      );
      await caller.done;
      await waitForNoChannels(load.lab);
      const record = parseCallRecord(await load.redis.hGetAll(k.call(callId)));
      if (!record.arrivedAt) throw new Error('the record has no arrivedAt');
      const call = { callId };
      // MONITOR's clock has µs; the enqueue's own command is at enqueuedAt (ms), so the window ends 1 ms later.
      const within = (at: number) => at >= record.arrivedAt! && at <= record.enqueuedAt + 1;
      const found = {
        ari: ari
          .filter((r) => within(r.at) && r.what.includes(call.callId))
          .map((r) => r.what.replaceAll(call.callId, '{callId}')),
        redis: redis.filter((r) => within(r.at)).map((r) => r.what.replaceAll(call.callId, '{callId}')),
      };
      if (!best || found.ari.length + found.redis.length < best.ari.length + best.redis.length) best = found;
      ari.length = 0;
      redis.length = 0;
    }
  } finally {
    unsubscribe('http.client.request.start', onRequest);
    await monitor.close();
  }
  console.log(
    `\nround trips from the caller's arrival to "in the queue with music" (fewest of ${CALLS} calls): ${best!.ari.length} ARI requests, ${best!.redis.length} Redis commands`,
  );
  for (const what of best!.ari) console.log(`  ARI   ${what}`);
  for (const what of best!.redis) console.log(`  Redis ${what}`);
}
