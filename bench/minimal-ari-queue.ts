import ari, { type Channel, type Client } from 'ari-client';

/**
 * The baseline of the call set-up benchmarks: the least an ARI app must do to hold a caller in
 * a queue — answer, a holding bridge of the caller's own, music on hold, in turn, as a naive
 * app would — and nothing else (no routing, no Redis, no limits, no timeouts). It runs as a
 * child process of the benchmark (bench/call-load.ts startMinimalQueue), on the same Asterisk
 * under a Stasis app of its own, and reports over IPC how many callers it set up within their
 * first second (from the channel's creation in Asterisk to music started), how many later or
 * never, and its CPU and memory.
 *
 * Environment: ARI_URL, ARI_USERNAME, ARI_PASSWORD, ARI_APP.
 */

/** What a report says since the previous one (or the start). */
export interface MinimalQueueReport {
  arrived: number;
  /** In the holding bridge with music within 1 s of the channel's creation. */
  setUpInTime: number;
  setUpLate: number;
  failed: number;
  /** Callers in their holding bridge now. */
  holding: number;
  cpuMs: number;
  rssBytes: number;
}

const SET_UP_WITHIN_MS = 1_000;

async function main(): Promise<void> {
  const { ARI_URL, ARI_USERNAME, ARI_PASSWORD, ARI_APP } = process.env;
  if (!ARI_URL || !ARI_USERNAME || !ARI_PASSWORD || !ARI_APP)
    throw new Error('ARI_URL, ARI_USERNAME, ARI_PASSWORD and ARI_APP are required');
  const client: Client = await ari.connect(ARI_URL, ARI_USERNAME, ARI_PASSWORD);
  const counts = { arrived: 0, setUpInTime: 0, setUpLate: 0, failed: 0 };
  const gone = new Set<string>();
  const holding = new Set<string>();
  let cpuBefore = process.cpuUsage();

  client.on('StasisStart', (_event, channel: Channel) => {
    counts.arrived += 1;
    void setUp(channel).catch(() => (counts.failed += 1));
  });
  client.on('StasisEnd', (_event, channel: Channel) => {
    gone.add(channel.id);
    holding.delete(channel.id);
    // The one piece of care even a minimal app needs: a caller's bridge goes with them (LAB.md).
    void client.bridges.destroy({ bridgeId: `${channel.id}-hold` }).catch(() => undefined);
  });

  async function setUp(channel: Channel): Promise<void> {
    const created = Date.parse(channel.creationtime);
    const bridgeId = `${channel.id}-hold`;
    await client.channels.answer({ channelId: channel.id });
    await client.bridges.create({ type: 'holding', bridgeId, name: bridgeId });
    if (gone.has(channel.id)) {
      await client.bridges.destroy({ bridgeId });
      throw new Error('caller gone');
    }
    await client.bridges.addChannel({ bridgeId, channel: channel.id });
    await client.channels.startMoh({ channelId: channel.id, mohClass: 'default' });
    if (Date.now() - created <= SET_UP_WITHIN_MS) counts.setUpInTime += 1;
    else counts.setUpLate += 1;
    if (!gone.has(channel.id)) holding.add(channel.id);
  }

  process.on('message', (message: { type: string }) => {
    if (message.type === 'report') {
      const cpu = process.cpuUsage(cpuBefore);
      cpuBefore = process.cpuUsage();
      const report: MinimalQueueReport = {
        ...counts,
        holding: holding.size,
        cpuMs: (cpu.user + cpu.system) / 1000,
        rssBytes: process.memoryUsage().rss,
      };
      process.send?.({ type: 'report', report });
      Object.assign(counts, { arrived: 0, setUpInTime: 0, setUpLate: 0, failed: 0 });
      gone.clear();
    }
    if (message.type === 'stop') {
      client.stop();
      process.exit(0);
    }
  });
  await client.start(ARI_APP);
  process.send?.({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
