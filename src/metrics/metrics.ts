import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { RegionConfig } from '../config/region-schema.js';
import type { OpeningStateReader } from '../hours/opening-state.js';
import { log } from '../log.js';
import type { OperatorStore } from '../operators/operator-store.js';
import type { CallQueue } from '../queue/call-queue.js';
import type { Keys } from '../store/keys.js';
import { DEFAULT_SERVICE_LEVEL_SECONDS } from '../statistics/compute.js';
import type { RedisClient } from '../store/redis-client.js';
import { type CallCounts, cumulative, readCallCounts, waitBuckets } from './call-counts.js';
import type { Probes } from './probes.js';

/** What the region's figures are read from at each scrape: Redis, through the stores that own it. */
export interface MetricsSources {
  redis: RedisClient;
  k: Keys;
  region: RegionConfig;
  queue: Pick<CallQueue, 'listWaiting'>;
  operators: Pick<OperatorStore, 'list'>;
  opening: Pick<OpeningStateReader, 'openingStateAt'>;
  /** The switchboard's clock for opening hours (tests run "on a weekday morning"). */
  now: () => number;
}

/** What only the running process knows, asked at each scrape (the HTTP app has it: http/app.ts HttpDeps). */
export interface ProcessState {
  ari: { isConnected(): boolean };
  sipEdge?: { state(): { connected: boolean; mediaNodes: { node: string; healthy: boolean }[] } } | undefined;
  mediaNodes?: { nodes(): Promise<{ node: string; up: boolean }[]> } | undefined;
}

export interface MetricsSettings {
  /** false: no hooks (HTTP timing, probes); /metrics still answers with the region's figures. For the overhead benchmark. */
  instrument?: boolean | undefined;
  /** SHA-256 (hex) of the scrape token (METRICS_TOKEN_SHA256); only it is kept, as API tokens are. */
  scrapeTokenSha256?: string | undefined;
  /** Node's process metrics (collectDefaultMetrics); on by default. */
  processMetrics?: boolean | undefined;
}

/** Histogram buckets (s) of per-process timings: a call's set-up (CALL_SETUP_TIMEOUT_MS 2 s) and one ARI request (5 s timeout). */
const SET_UP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };
type Snapshot = { calls?: CallCounts; state?: RegionState; process: ProcessFacts };
type RegionState = {
  waiting: Map<string, { count: number; longestSeconds: number }>;
  operatorsByState: Map<string, number>;
  operatorsServing: Map<string, number>;
  open: Map<string, boolean>;
};
type ProcessFacts = {
  redisUp: boolean;
  redisPingSeconds?: number;
  ariConnected: boolean;
  drachtio?: boolean;
  edgeNodes?: { node: string; healthy: boolean }[];
  mediaNodes?: { node: string; up: boolean }[];
};

/**
 * The process's one Prometheus registry (built in services.ts, scraped at GET /metrics):
 * per-process instruments fed by thin hooks (HTTP requests, probes.ts), and the region's
 * figures read from Redis at each scrape, so every instance shows the same counts and none is
 * lost to a restart (docs/decisions.md, "Run it like a service (issue 15): metrics, dashboards
 * and alerts"). No label carries a caller's number, a token or a raw path: municipality ids,
 * outcomes, states, node names, route templates.
 */
export function createMetrics(sources: MetricsSources, settings: MetricsSettings = {}) {
  const registry = new Registry();
  if (settings.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const municipalityIds = sources.region.municipalities.map((m) => m.id);
  const targets = new Map(sources.region.municipalities.map((m) => [m.id, m.serviceLevelSeconds]));
  const buckets = waitBuckets([...targets.values()]);

  const httpRequests = new Counter({
    name: 'vaxel_http_requests_total',
    help: 'HTTP requests answered, by method, route template (never the raw path) and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'vaxel_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template',
    labelNames: ['method', 'route'],
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const ariRequests = new Histogram({
    name: 'vaxel_ari_request_duration_seconds',
    help: 'ARI requests to this instance’s Asterisk, by request and result (ok, error, timeout)',
    labelNames: ['request', 'result'],
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const scriptErrors = new Counter({
    name: 'vaxel_redis_script_errors_total',
    help: 'Lua scripts that refused (their code, e.g. call_not_waiting) or failed (error: connection, a bug)',
    labelNames: ['code'],
    registers: [registry],
  });
  const callSetUp = new Histogram({
    name: 'vaxel_call_setup_seconds',
    help: 'A caller’s set-up on this instance: arrival in the Stasis app to waiting in the queue with music (queued), or failing',
    labelNames: ['result'],
    buckets: SET_UP_BUCKETS,
    registers: [registry],
  });

  let latest: Snapshot = { process: { redisUp: false, ariConnected: false } };
  /** A metric whose samples are taken from the latest scrape's snapshot. */
  const derived = (
    name: string,
    help: string,
    type: 'counter' | 'gauge' | 'histogram',
    samples: (s: Snapshot) => Sample[],
  ) =>
    // prom-client's registry only calls get() of what it holds; its types name its own classes alone.
    registry.registerMetric({
      name,
      help,
      type,
      aggregator: 'max',
      get: async () => ({ name, help, type, aggregator: 'max', values: samples(latest) }),
      reset() {},
    } as unknown as Metric);
  const perMunicipality = <T>(map: Map<string, T> | undefined, value: (v: T) => number): Sample[] =>
    [...(map ?? [])].map(([municipality, v]) => ({ labels: { municipality }, value: value(v) }));

  derived('vaxel_calls_offered_total', 'Calls ended, any outcome (the region’s, from Redis)', 'counter', ({ calls }) =>
    perMunicipality(calls?.ended, (byOutcome) => [...byOutcome.values()].reduce((sum, n) => sum + n, 0)),
  );
  derived(
    'vaxel_calls_ended_total',
    'Calls ended by outcome: answered, abandoned, overflowed, rejected-capacity (rejected), media-node-lost (lost), setup-failed, closed, callback-* (the region’s, from Redis)',
    'counter',
    ({ calls }) =>
      [...(calls?.ended ?? [])].flatMap(([municipality, byOutcome]) =>
        [...byOutcome].map(([outcome, value]) => ({ labels: { municipality, outcome }, value })),
      ),
  );
  derived(
    'vaxel_calls_abandoned_short_total',
    'Abandoned after waiting at most 5 s (counted in abandoned too; left out of the service level)',
    'counter',
    ({ calls }) => perMunicipality(calls?.shortAbandoned, (n) => n),
  );
  derived(
    'vaxel_calls_answered_within_target_total',
    'Answered within the municipality’s service-level target (serviceLevelSeconds)',
    'counter',
    ({ calls }) =>
      [...(calls?.waits ?? [])].map(([municipality, w]) => ({
        labels: { municipality },
        value: cumulative(w.bySecond, [targets.get(municipality) ?? DEFAULT_SERVICE_LEVEL_SECONDS])[0]!,
      })),
  );
  derived(
    'vaxel_call_wait_seconds',
    'Wait from the queue to the first answer of answered calls, with buckets at every service-level target',
    'histogram',
    ({ calls }) =>
      [...(calls?.waits ?? [])].flatMap(([municipality, w]): Sample[] => [
        ...cumulative(w.bySecond, buckets).map((value, i) => ({
          metricName: 'vaxel_call_wait_seconds_bucket',
          labels: { municipality, le: buckets[i]! },
          value,
        })),
        { metricName: 'vaxel_call_wait_seconds_bucket', labels: { municipality, le: '+Inf' }, value: w.count },
        { metricName: 'vaxel_call_wait_seconds_sum', labels: { municipality }, value: w.sumSeconds },
        { metricName: 'vaxel_call_wait_seconds_count', labels: { municipality }, value: w.count },
      ]),
  );
  derived(
    'vaxel_service_level_target_seconds',
    'The municipality’s service-level target (config/region.yaml)',
    'gauge',
    () => perMunicipality(targets, (t) => t),
  );
  derived('vaxel_queue_waiting_calls', 'Calls waiting in the municipality’s queue now', 'gauge', ({ state }) =>
    perMunicipality(state?.waiting, (w) => w.count),
  );
  derived(
    'vaxel_queue_longest_wait_seconds',
    'The longest wait in the municipality’s queue now (0 when empty)',
    'gauge',
    ({ state }) => perMunicipality(state?.waiting, (w) => w.longestSeconds),
  );
  derived('vaxel_operators', 'Logged-in operators by state', 'gauge', ({ state }) =>
    [...(state?.operatorsByState ?? [])].map(([s, value]) => ({ labels: { state: s }, value })),
  );
  derived('vaxel_operators_serving', 'Logged-in operators serving the municipality (any state)', 'gauge', ({ state }) =>
    perMunicipality(state?.operatorsServing, (n) => n),
  );
  derived(
    'vaxel_municipality_open',
    'Whether the municipality is open now (opening hours, holidays, overrides): 1 or 0',
    'gauge',
    ({ state }) => perMunicipality(state?.open, (open) => (open ? 1 : 0)),
  );
  derived(
    'vaxel_media_node_up',
    'Whether the media node beats (its app instance has its Asterisk): 1 or 0',
    'gauge',
    ({ process }) => (process.mediaNodes ?? []).map(({ node, up }) => ({ labels: { node }, value: up ? 1 : 0 })),
  );
  derived('vaxel_redis_up', 'Whether Redis answered this scrape’s PING: 1 or 0', 'gauge', ({ process }) => [
    { labels: {}, value: process.redisUp ? 1 : 0 },
  ]);
  derived('vaxel_redis_ping_seconds', 'Round trip of this scrape’s PING to Redis', 'gauge', ({ process }) =>
    process.redisPingSeconds === undefined ? [] : [{ labels: {}, value: process.redisPingSeconds }],
  );
  derived(
    'vaxel_ari_connected',
    'Whether this instance’s ARI connection to its Asterisk is up: 1 or 0',
    'gauge',
    ({ process }) => [{ labels: {}, value: process.ariConnected ? 1 : 0 }],
  );
  derived(
    'vaxel_drachtio_connected',
    'Whether the SIP edge is connected to drachtio-server (only when it runs): 1 or 0',
    'gauge',
    ({ process }) => (process.drachtio === undefined ? [] : [{ labels: {}, value: process.drachtio ? 1 : 0 }]),
  );
  derived(
    'vaxel_sip_edge_media_node_healthy',
    'Whether the SIP edge’s OPTIONS pings reach the media node: 1 or 0',
    'gauge',
    ({ process }) =>
      (process.edgeNodes ?? []).map(({ node, healthy }) => ({ labels: { node }, value: healthy ? 1 : 0 })),
  );

  async function regionState(): Promise<RegionState> {
    const at = new Date(sources.now());
    const [queues, sessions, open] = await Promise.all([
      Promise.all(municipalityIds.map((id) => sources.queue.listWaiting(id))),
      sources.operators.list(),
      Promise.all(municipalityIds.map((id) => sources.opening.openingStateAt(id, at))),
    ]);
    const operatorsByState = new Map<string, number>();
    const operatorsServing = new Map(municipalityIds.map((id) => [id, 0]));
    for (const session of sessions) {
      operatorsByState.set(session.state, (operatorsByState.get(session.state) ?? 0) + 1);
      for (const id of session.municipalities) operatorsServing.set(id, (operatorsServing.get(id) ?? 0) + 1);
    }
    return {
      waiting: new Map(
        municipalityIds.map((id, i) => [
          id,
          { count: queues[i]!.length, longestSeconds: Math.max(0, ...queues[i]!.map((c) => c.waitingMs / 1000)) },
        ]),
      ),
      operatorsByState,
      operatorsServing,
      open: new Map(municipalityIds.map((id, i) => [id, open[i]!.open])),
    };
  }

  async function processFacts(state: ProcessState): Promise<ProcessFacts> {
    const started = performance.now();
    const redisUp = await sources.redis
      .ping()
      .then((reply) => reply === 'PONG')
      .catch(() => false);
    const edge = state.sipEdge?.state();
    return {
      redisUp,
      ...(redisUp ? { redisPingSeconds: (performance.now() - started) / 1000 } : {}),
      ariConnected: state.ari.isConnected(),
      ...(edge ? { drachtio: edge.connected, edgeNodes: edge.mediaNodes } : {}),
      ...(redisUp ? { mediaNodes: await state.mediaNodes?.nodes().catch(() => undefined) } : {}),
    };
  }

  /** Part of the figures missing (Redis away) is better than no scrape: those series are left out, vaxel_redis_up says why. */
  const orNothing = <T>(what: string, work: Promise<T>) =>
    work.catch((error: unknown) => {
      log.warn({ err: error }, `metrics: ${what} left out of this scrape`);
      return undefined;
    });

  const probes: Probes = {
    ariRequest: (request, seconds, result) => ariRequests.observe({ request, result }, seconds),
    scriptError: (code) => scriptErrors.inc({ code }),
    callSetUp: (seconds, result) => callSetUp.observe({ result }, seconds),
  };

  return {
    registry,
    instrument: settings.instrument ?? true,
    scrapeTokenSha256: settings.scrapeTokenSha256,
    contentType: registry.contentType,
    /** The switchboard installs them while it runs (probes.ts). */
    probes,
    /** One HTTP request answered (http/routes/metrics.ts's middleware). */
    observeHttp(method: string, route: string, status: number, seconds: number) {
      httpRequests.inc({ method, route, status });
      httpDuration.observe({ method, route }, seconds);
    },
    /** The Prometheus text of everything, the region's figures read now. */
    async scrape(state: ProcessState): Promise<string> {
      const process = await processFacts(state);
      const [calls, region] = process.redisUp
        ? await Promise.all([
            orNothing('call counts', readCallCounts(sources.redis, sources.k)),
            orNothing('queues, operators and opening state', regionState()),
          ])
        : [undefined, undefined];
      latest = { process, ...(calls ? { calls } : {}), ...(region ? { state: region } : {}) };
      return registry.metrics();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
