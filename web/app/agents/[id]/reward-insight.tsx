// What a car-soccer agent's reward pays for, as the server analysed it at validation
// (AgentVersion.rewardAnalysis): each part's share of all reward paid, how far the reward is from
// "score goals" (EPIC and STARC, 0 = the same objective), and any flag. Server-rendered SVG bars.

export interface RewardInsightView {
  players?: { blue: string; orange: string };
  episodes?: number;
  goals?: { blue: number; orange: number };
  components?: {
    name: string;
    shareOfMagnitude: number;
    shareOfTotal: number | null;
    correlationWithGoals: number | null;
  }[];
  distanceToGoals?: {
    epic: number;
    starc: number;
    goalsIndifferent: boolean;
    transitions: number;
    gamma: number;
  };
  termination?: { flagged: boolean; reason: string };
  hacking?: { flagged: boolean; reason: string } | null;
  flags?: string[];
  error?: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One horizontal bar per reward part: its share of everything the reward paid (by magnitude). */
function SharesChart({ components }: { components: NonNullable<RewardInsightView["components"]> }) {
  const rowH = 22;
  const labelW = 250;
  const barW = 300;
  const height = components.length * rowH + 24;
  return (
    <svg
      className="reward-shares"
      viewBox={`0 0 ${labelW + barW + 140} ${height}`}
      role="img"
      aria-label="share of the reward paid by each part"
      data-testid="reward-shares"
    >
      <text x={labelW + barW + 10} y={12} className="axis">
        corr. with goals
      </text>
      {components.map((c, i) => {
        const y = 18 + i * rowH;
        const corr = c.correlationWithGoals;
        return (
          <g key={c.name}>
            <text x={labelW - 8} y={y + 14} textAnchor="end" className="label">
              {c.name.length > 38 ? `${c.name.slice(0, 37)}…` : c.name}
            </text>
            <rect x={labelW} y={y + 3} width={barW} height={rowH - 8} className="track" />
            <rect
              x={labelW}
              y={y + 3}
              width={Math.max(1, barW * c.shareOfMagnitude)}
              height={rowH - 8}
              className={(c.shareOfTotal ?? 0) < 0 ? "bar negative" : "bar"}
            />
            <text x={labelW + 6} y={y + 14} className="value">
              {pct(c.shareOfMagnitude)}
            </text>
            <text x={labelW + barW + 10} y={y + 14} className="value">
              {corr === null ? "–" : corr.toFixed(2)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** A 0–1 distance as a bar with its number. */
function Distance({ label, value, help }: { label: string; value: number; help: string }) {
  return (
    <div className="distance" title={help}>
      <span className="distance-label">{label}</span>
      <span className="distance-track">
        <span className="distance-bar" style={{ width: `${Math.min(100, 100 * value)}%` }} />
      </span>
      <b className="num">{value.toFixed(3)}</b>
    </div>
  );
}

export function RewardInsight({ analysis, version }: { analysis: unknown; version: number }) {
  if (analysis === null || analysis === undefined)
    return (
      <p className="muted" data-testid="reward-insight-none">
        No reward spec: v{version}&apos;s checkpoint does not say what reward it was trained on, so there is
        nothing to analyse.
      </p>
    );
  const a = analysis as RewardInsightView;
  if (a.error)
    return (
      <p className="notice notice-error">
        The reward of v{version} could not be analysed: {a.error}
      </p>
    );
  const d = a.distanceToGoals;
  const flags = a.flags ?? [];
  return (
    <div className="reward-insight" data-testid="reward-insight">
      <p className="muted">
        v{version}&apos;s reward measured on {a.episodes} seeded episodes of {a.players?.blue} (blue) against{" "}
        {a.players?.orange}, the same play for every agent: what each part of the reward paid, as a share of
        everything it paid, and how that part moved with the goals scored per episode. A red bar is a part
        that paid less than nothing on the whole (its sum is negative).
      </p>
      {a.components && a.components.length > 0 && <SharesChart components={a.components} />}
      {d && (
        <div className="distances">
          <h3>How far from &ldquo;score goals&rdquo;</h3>
          <Distance
            label="EPIC"
            value={d.epic}
            help="Pearson distance of the canonicalised rewards on sampled transitions: 0 = the same objective up to potential shaping and scale, 0.71 = unrelated"
          />
          <Distance
            label="STARC"
            value={d.starc}
            help="distance of the rewards' advantages under the played policy, after normalising: 0 = the same ranking of actions, 1 = the opposite"
          />
          {d.goalsIndifferent && (
            <p className="muted">
              No first action changed the goals in the sampled states: STARC says little here.
            </p>
          )}
        </div>
      )}
      {flags.length > 0 ? (
        <ul className="flags" data-testid="reward-flags">
          {flags.map((f) => (
            <li key={f} className="verify bad">
              ⚠ {f}
            </li>
          ))}
        </ul>
      ) : (
        <p className="verify good" data-testid="reward-flags">
          ✓ no flag: {a.termination?.reason}
          {a.hacking
            ? `; ${a.hacking.reason}`
            : "; no training trend in the checkpoint to check for reward hacking"}
        </p>
      )}
    </div>
  );
}
