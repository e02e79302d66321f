import type { MunicipalityStatisticsView } from '../http/routes/statistics.js';

const WIDTH = 288;
const HEIGHT = 80;
const AXIS = 14;

/**
 * Calls per local hour as an inline SVG bar chart: offered (outline) and answered (filled).
 * The figures are also in the accessible name, since a chart says nothing to a screen reader.
 */
export function HourlyChart({ periods, label }: { periods: MunicipalityStatisticsView['periods']; label: string }) {
  const max = Math.max(1, ...periods.map((p) => p.offered));
  const slot = WIDTH / Math.max(1, periods.length);
  const hour = (start: string) => start.slice(11, 13);
  const busy = periods
    .filter((p) => p.offered > 0)
    .map((p) => `kl ${hour(p.start)}: ${p.offered} samtal, ${p.answered} besvarade`);
  const height = (n: number) => ((HEIGHT - AXIS) * n) / max;
  /** The bar of `n` calls in the i-th hour's slot, standing on the axis. */
  const bar = (kind: 'offered' | 'answered', n: number, i: number) => (
    <rect class={kind} x={i * slot + 1} y={HEIGHT - AXIS - height(n)} width={slot - 2} height={height(n)} />
  );

  return (
    <svg
      class="hourly-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`${label}. ${busy.length ? busy.join('; ') : 'Inga samtal ännu'}.`}
    >
      {periods.map((p, i) => (
        <g>
          {bar('offered', p.offered, i)}
          {bar('answered', p.answered, i)}
          {i % 3 === 0 && (
            <text x={i * slot + slot / 2} y={HEIGHT - 2} text-anchor="middle">
              {hour(p.start)}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
