/**
 * `npm run bench -- <name>`: runs one benchmark. Each prints its own figures beside a baseline
 * measured in the same run, on the same machine, so the numbers can be compared.
 */
const benches: Record<string, { what: string; load: () => Promise<{ run(): Promise<void> }> }> = {
  'queue-visibility': {
    what: 'time from a SIPp call to its appearance in the queue API, beside Asterisk seeing the channel',
    load: () => import('./queue-visibility.js'),
  },
  queues: {
    what: 'enqueue/claim/abandon per second beside redis-benchmark, and the choice of the next call (7 queues × 200 waiting × 30 operators, p99)',
    load: () => import('./queues.js'),
  },
  directory: {
    what: "operators' search over 100 000 generated entries (p50/p99) beside a linear scan, index build, and sync between two instances",
    load: () => import('./directory.js'),
  },
  'call-setup': {
    what: '1-second SIPp calls at rising rates: calls set up (in the queue with holding bridge and music within 1 s) beside a minimal ARI queue on the same Asterisk; both knees, and twice the knee with and without the capacity limit',
    load: () => import('./call-setup.js'),
  },
  import: {
    what: "a 50 000-row directory import and a 50 000-row extensions import while another process runs queue operations: their worst and p99 latency beside a baseline, and the imports' times",
    load: () => import('./import.js'),
  },
  'replica-ack': {
    what: 'a state change answered at once beside answered once a Redis replica has it (WAIT): p50/p99 one at a time, per second with 50 in flight',
    load: () => import('./replica-ack.js'),
  },
  holding: {
    what: "callers waiting at once (each set up within 1 s, music, announcements) before calls fail, beside the minimal ARI queue; Asterisk's and the app's CPU and memory",
    load: () => import('./holding.js'),
  },
  soak: {
    what: "10 000 calls through queue, answer and hang-up; the app's RSS at the start and the end (within 10 %)",
    load: () => import('./soak.js'),
  },
  metrics: {
    what: 'HTTP API requests per second with the metrics hooks on and off (target: under 5 % fewer), and the time of one scrape of /metrics',
    load: () => import('./metrics.js'),
  },
  routing: {
    what: 'SIP edge routing decisions per second and p99 with 100 000 numbers in Redis, beside plain Redis GETs',
    load: () => import('./routing.js'),
  },
};

const name = process.argv[2];
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(
    `usage: npm run bench -- <name>\n${Object.entries(benches)
      .map(([n, b]) => `  ${n}: ${b.what}`)
      .join('\n')}`,
  );
  process.exit(2);
}
await (await bench.load()).run();
process.exit(0);
