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
    what: 'operators\' search over 100 000 generated entries (p50/p99) beside a linear scan, index build, and sync between two instances',
    load: () => import('./directory.js'),
  },
  routing: {
    what: 'SIP edge routing decisions per second and p99 with 100 000 numbers in Redis, beside plain Redis GETs',
    load: () => import('./routing.js'),
  },
};

const name = process.argv[2];
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <name>\n${Object.entries(benches).map(([n, b]) => `  ${n}: ${b.what}`).join('\n')}`);
  process.exit(2);
}
await (await bench.load()).run();
process.exit(0);
