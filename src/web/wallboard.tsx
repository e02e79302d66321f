import type { MunicipalityView } from '../http/routes/municipalities.js';
import type { QueueView } from '../http/routes/queues.js';
import type { MunicipalityStatisticsView } from '../http/routes/statistics.js';
import { ApiError, get } from './api.js';
import { useEvents } from './events.js';
import { LEVEL_TEXT, duration, percent, useNow, waitLevel } from './format.js';
import { HourlyChart } from './hourly-chart.js';
import { StaleBanner } from './stale-banner.js';
import { useData } from './use-data.js';

/** Today in Stockholm as [from, to) dates for the statistics API, whatever the browser's zone. */
function todayInStockholm(): { from: string; to: string } {
  const from = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' }).format(new Date());
  const next = new Date(`${from}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return { from, to: next.toISOString().slice(0, 10) };
}

/** Today's figures of every municipality the token may read (a municipality admin: their own). */
async function loadToday(): Promise<MunicipalityStatisticsView[]> {
  const { municipalities } = await get<{ municipalities: MunicipalityView[] }>('/municipalities');
  const range = new URLSearchParams({ ...todayInStockholm(), groupBy: 'hour' });
  const readable = (e: unknown) => (e instanceof ApiError && e.status === 403 ? undefined : Promise.reject(e));
  const figures = await Promise.all(
    municipalities.map((m) =>
      get<MunicipalityStatisticsView>(`/statistics/municipalities/${m.id}?${range}`).catch(readable),
    ),
  );
  return figures.filter((f) => f !== undefined);
}

/**
 * The wall: per municipality today's service level, who waits now, abandoned today and calls per
 * hour. Queues follow every event; the day's figures are re-read when a call ends (only ended
 * calls count in statistics).
 */
export function Wallboard() {
  // A municipality admin may not read queues (403): their wall shows the day's figures only.
  const queues = useData(() =>
    get<{ queues: QueueView[] }>('/queues').then(
      (r) => ({ queues: r.queues, fetchedAt: Date.now() }),
      (e: unknown) =>
        e instanceof ApiError && e.status === 403 ? { queues: [], fetchedAt: Date.now() } : Promise.reject(e),
    ),
  );
  const today = useData(loadToday);
  const { stale } = useEvents((event) => {
    queues.reload();
    if (event.type === 'call.ended' || event.type === 'reset') today.reload();
  });
  const now = useNow();

  return (
    <div class="wallboard">
      <h1>Väggtavla – i dag</h1>
      <StaleBanner stale={stale} error={queues.error ?? today.error} />
      <ul class="wall-grid">
        {(today.data ?? []).map((stats) => {
          const queue = queues.data?.queues.find((q) => q.municipality.id === stats.municipality.id);
          const longest = queue?.waitingCount ? queue.longestWaitSeconds + (now - queues.data!.fetchedAt) / 1000 : 0;
          const level = waitLevel(longest, stats.serviceLevelSeconds);
          return (
            <li class="wall-card" data-municipality={stats.municipality.id}>
              <h2>{stats.municipality.name}</h2>
              <dl>
                <dt>Servicenivå (svar inom {stats.serviceLevelSeconds} s)</dt>
                <dd class="big" data-figure="service-level">
                  {percent(stats.total.serviceLevel)}
                </dd>
                {queue && (
                  <>
                    <dt>Väntar nu</dt>
                    <dd class={`big level-${level}`} data-figure="waiting">
                      {queue.waitingCount}
                    </dd>
                    <dt>Längsta väntan</dt>
                    <dd>
                      {duration(longest)} – {LEVEL_TEXT[level]}
                    </dd>
                  </>
                )}
                <dt>Besvarade i dag</dt>
                <dd data-figure="answered">{stats.total.answered}</dd>
                <dt>Avbrutna i dag</dt>
                <dd data-figure="abandoned">{stats.total.abandoned}</dd>
              </dl>
              <HourlyChart periods={stats.periods} label={`Samtal per timme i ${stats.municipality.name}`} />
            </li>
          );
        })}
      </ul>
    </div>
  );
}
