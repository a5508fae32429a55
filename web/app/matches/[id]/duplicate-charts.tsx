// Charts of a duplicate (bandit or recommender) match: every seat's cumulative return and regret
// over the match's steps, and its arm pulls (or clicks per item) as bars. Plain SVG, drawn on the
// server for a finished match and in the browser by the live view alike.
import { LineChart, PALETTE } from "../../components/charts";
import "./duplicate-live.css";

export interface DuplicateSeries {
  names: string[];
  /** Match step of each sample (every episode counted). */
  steps: number[];
  /** Per seat, running totals at each sample. */
  returns: number[][];
  regrets: number[][];
  /** Per seat: pulls per arm (bandit) or clicks per item (recommender). */
  counts: number[][];
  family: "bandit" | "recommender";
  /** Steps of one episode: episode boundaries are marked on the step axis label. */
  episodeSteps?: number;
}

const series = (names: string[], steps: number[], values: number[][]) =>
  names.map((name, i) => ({
    name,
    points: (values[i] ?? []).map((y, k) => ({ x: steps[k] ?? k, y })),
  }));

/** One small bar chart per seat: how often each arm was pulled, or each item clicked. */
export function PullBars({
  names,
  counts,
  family,
}: {
  names: string[];
  counts: number[][];
  family: "bandit" | "recommender";
}) {
  const width = 300;
  const height = 90;
  const what = family === "recommender" ? "clicks per item" : "pulls per arm";
  return (
    <div className="pull-bars" data-testid="pull-bars">
      {names.map((name, i) => {
        const c = counts[i] ?? [];
        const max = Math.max(1, ...c);
        const total = c.reduce((a, b) => a + b, 0);
        const w = width / Math.max(1, c.length);
        const best = c.indexOf(Math.max(...c));
        return (
          <figure key={name} className="pull-bar">
            <figcaption>
              <i style={{ background: PALETTE[i % PALETTE.length] }} /> {name}{" "}
              <span className="muted">
                {total} {family === "recommender" ? "clicks" : "pulls"}
                {total > 0 && c.length > 0
                  ? ` · most: ${family === "recommender" ? "item" : "arm"} ${best}`
                  : ""}
              </span>
            </figcaption>
            <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${name}: ${what}`}>
              <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} className="axis" />
              {c.map((n, k) => {
                const h = (n / max) * (height - 4);
                return (
                  <rect
                    // biome-ignore lint/suspicious/noArrayIndexKey: arms are identified by their index
                    key={k}
                    x={k * w + (c.length > 20 ? 0 : w * 0.12)}
                    width={c.length > 20 ? Math.max(w - 0.3, 0.5) : w * 0.76}
                    y={height - h}
                    height={h}
                    fill={PALETTE[i % PALETTE.length]}
                  >
                    <title>{`${family === "recommender" ? "item" : "arm"} ${k}: ${n}`}</title>
                  </rect>
                );
              })}
            </svg>
          </figure>
        );
      })}
    </div>
  );
}

export function DuplicateCharts(props: DuplicateSeries) {
  const { names, steps, family } = props;
  const xLabel = props.episodeSteps
    ? `step (episodes of ${props.episodeSteps} steps, one seed each)`
    : "step";
  return (
    <div className="duplicate-charts">
      <div className="duplicate-curves">
        <LineChart series={series(names, steps, props.returns)} yLabel="cumulative return" xLabel={xLabel} />
        <LineChart series={series(names, steps, props.regrets)} yLabel="cumulative regret" xLabel={xLabel} />
      </div>
      <h3>{family === "recommender" ? "Clicks per item" : "Arm pulls"}</h3>
      <PullBars names={names} counts={props.counts} family={family} />
    </div>
  );
}
