import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { keys } from '../../src/store/keys.js';

/**
 * deploy/prometheus/ and deploy/grafana/ as code: the alert rules pass `promtool check rules`,
 * their unit tests (alerts.test.yml) pass `promtool test rules` and test every alert, the scrape
 * configuration passes `promtool check config`, and every metric the rules and the dashboard
 * ask for is one the app exports. promtool is Debian's `prometheus` package (.ci/run installs it).
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const prometheusDir = resolve(root, 'deploy/prometheus');
const promtool = (...args: string[]) => run('promtool', args, { cwd: prometheusDir });

type Rules = { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
const rulesText = () => readFile(resolve(prometheusDir, 'alerts.yml'), 'utf8');

/** The app's metric names, from its registry (nothing is scraped: no Redis needed). */
async function exportedNames(): Promise<Set<string>> {
  const region = await loadRegionConfig(resolve(root, 'config/region.yaml'));
  const unused = {} as never;
  const metrics = createMetrics({
    redis: {} as RedisClient,
    k: keys('unused'),
    region,
    queue: unused,
    operators: unused,
    opening: unused,
    now: Date.now,
  });
  return new Set(metrics.registry.getMetricsAsArray().map((metric) => metric.name));
}

/** vaxel_* and process metrics named in a text, histogram and counter suffixes taken off. */
const namesIn = (text: string) =>
  new Set(
    [...text.matchAll(/\b((?:vaxel|process|nodejs)_[a-z0-9_]+)/g)].map(([, name]) =>
      name!.replace(/_(bucket|count|sum)$/, ''),
    ),
  );

describe('deploy/prometheus', () => {
  it('has alert rules promtool accepts', async () => {
    const { stdout } = await promtool('check', 'rules', 'alerts.yml');
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('has promtool unit tests that pass and test every alert', async () => {
    const { stdout } = await promtool('test', 'rules', 'alerts.test.yml');
    expect(stdout).toContain('SUCCESS');
    const alerts = (parse(await rulesText()) as Rules).groups.flatMap((g) => g.rules.flatMap((r) => r.alert ?? []));
    const tests = parse(await readFile(resolve(prometheusDir, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    expect(
      alerts.filter((alert) => !fired.has(alert)),
      'alerts no test sees firing',
    ).toEqual([]);
  });

  it('has a scrape configuration promtool accepts, reading the rules and the scrape token beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rv-prometheus-'));
    try {
      for (const file of ['prometheus.yml', 'alerts.yml'])
        await copyFile(resolve(prometheusDir, file), join(dir, file));
      await writeFile(join(dir, 'scrape-token'), 'a scrape token');
      const { stdout } = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
      expect(stdout).toContain('SUCCESS');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('asks only for metrics the app exports, in the rules and in the dashboard', async () => {
    const exported = await exportedNames();
    const dashboard = await readFile(resolve(root, 'deploy/grafana/dashboards/regionvaxel.json'), 'utf8');
    for (const [what, text] of [
      ['alerts.yml', await rulesText()],
      ['regionvaxel.json', dashboard],
    ] as const) {
      expect(
        [...namesIn(text)].filter((name) => !exported.has(name)),
        `${what}: metrics the app does not export`,
      ).toEqual([]);
    }
  });
});

describe('deploy/grafana', () => {
  it('provisions the dashboards folder the compose file mounts, with the data source the dashboard names', async () => {
    const dashboard = JSON.parse(
      await readFile(resolve(root, 'deploy/grafana/dashboards/regionvaxel.json'), 'utf8'),
    ) as {
      uid: string;
      panels: { type: string; title: string; datasource?: { uid: string } }[];
    };
    const datasources = parse(
      await readFile(resolve(root, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: { uid: string }[] };
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.filter((p) => !uids.has(p.datasource?.uid ?? '')).map((p) => p.title)).toEqual([]);
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Service level', 'Queues', 'Operators', 'Errors and latency', 'Nodes']);
  });
});
