// Charts drawn as SVG on the server: no script, no outside request, readable on a phone.

export const PALETTE = ["#3d8bfd", "#ff8a3d", "#2bb673", "#b05cff", "#ff5d6c", "#e0c341"];

export interface LineSeries {
  name: string;
  points: { x: number; y: number }[];
}

function extent(values: number[], pad = 0): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const margin = (hi - lo) * pad;
  return [lo - margin, hi + margin];
}

function ticks(lo: number, hi: number, count = 4): number[] {
  const step = (hi - lo) / count;
  return Array.from({ length: count + 1 }, (_, i) => lo + i * step);
}

/** Thousands as "3.7k": long tick labels would run into the axis label. */
function tickLabel(t: number): string {
  return Math.abs(t) >= 1000 ? `${(t / 1000).toFixed(1)}k` : t.toFixed(1);
}

/** Lines over an index or time axis, e.g. the ordinal after each rated match. */
export function LineChart({
  series,
  yLabel,
  xLabel,
  height = 220,
}: {
  series: LineSeries[];
  yLabel: string;
  xLabel: string;
  height?: number;
}) {
  const width = 640;
  const m = { top: 12, right: 12, bottom: 34, left: 52 };
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys, 0.08);
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right);
  const sy = (y: number) => m.top + (1 - (y - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${yLabel} by ${xLabel}`}>
        {ticks(y0, y1).map((t) => (
          <g key={t}>
            <line x1={m.left} x2={width - m.right} y1={sy(t)} y2={sy(t)} className="grid" />
            <text x={m.left - 6} y={sy(t) + 4} textAnchor="end" className="tick">
              {tickLabel(t)}
            </text>
          </g>
        ))}
        <text x={width / 2} y={height - 6} textAnchor="middle" className="axis-label">
          {xLabel}
        </text>
        <text
          transform={`translate(12 ${height / 2}) rotate(-90)`}
          textAnchor="middle"
          className="axis-label"
        >
          {yLabel}
        </text>
        {series.map((s, i) => {
          const last = s.points.at(-1);
          return (
            <g key={s.name}>
              <polyline
                fill="none"
                stroke={PALETTE[i % PALETTE.length]}
                strokeWidth={2}
                points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")}
              />
              {/* The latest value, marked so that a series of one point still shows. */}
              {last && (
                <circle cx={sx(last.x)} cy={sy(last.y)} r={3.5} fill={PALETTE[i % PALETTE.length]}>
                  <title>{`${s.name}: ${tickLabel(last.y)}`}</title>
                </circle>
              )}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <figcaption className="legend">
          {series.map((s, i) => (
            <span key={s.name}>
              <i style={{ background: PALETTE[i % PALETTE.length] }} /> {s.name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

/** Each rated version's skill as μ with its ±3σ range: where the leaderboard's ordinals come from. */
export function SkillChart({ entries }: { entries: { label: string; mu: number; sigma: number }[] }) {
  const width = 640;
  const row = 22;
  const m = { top: 8, right: 16, bottom: 26, left: 170 };
  const height = m.top + m.bottom + row * entries.length;
  const [x0, x1] = extent(
    entries.flatMap((e) => [e.mu - 3 * e.sigma, e.mu + 3 * e.sigma]),
    0.02,
  );
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="skill estimates, mu plus or minus three sigma"
      >
        {ticks(x0, x1, 5).map((t) => (
          <g key={t}>
            <line x1={sx(t)} x2={sx(t)} y1={m.top} y2={height - m.bottom} className="grid" />
            <text x={sx(t)} y={height - 8} textAnchor="middle" className="tick">
              {t.toFixed(0)}
            </text>
          </g>
        ))}
        {entries.map((e, i) => {
          const y = m.top + i * row + row / 2;
          return (
            <g key={e.label}>
              <text x={m.left - 8} y={y + 4} textAnchor="end" className="tick">
                {e.label}
              </text>
              <line x1={sx(e.mu - 3 * e.sigma)} x2={sx(e.mu + 3 * e.sigma)} y1={y} y2={y} className="range" />
              <circle cx={sx(e.mu - 3 * e.sigma)} cy={y} r={3.5} className="ordinal-dot" />
              <circle cx={sx(e.mu)} cy={y} r={4.5} className="mu-dot" />
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span>
          <i className="mu-swatch" /> μ (estimated skill)
        </span>
        <span>
          <i className="ordinal-swatch" /> μ − 3σ (the leaderboard&apos;s ordinal)
        </span>
      </figcaption>
    </figure>
  );
}
