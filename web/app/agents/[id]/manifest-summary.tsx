// What a checkpoint's agent.json says about how the agent was made: its interface to the
// environment, its training run, and its reward spec drawn as a tree rather than raw JSON.
import type { ReactNode } from "react";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function params(p: unknown): string {
  if (!isObject(p)) return "";
  const parts = Object.entries(p).map(([k, v]) => `${k} ${v}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** One node of a reward spec; unknown node kinds are shown as JSON so nothing is hidden. */
function RewardNode({ node }: { node: unknown }): ReactNode {
  if (!isObject(node)) return <code>{JSON.stringify(node)}</code>;
  if (typeof node.term === "string")
    return (
      <span>
        <code>{node.term}</code>
        <span className="muted">{params(node.params)}</span>
      </span>
    );
  if (Array.isArray(node.weightedSum))
    return (
      <span>
        weighted sum
        <ul className="reward-tree">
          {node.weightedSum.map((child, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a spec's terms have no identity besides their place
            <li key={i}>
              <span className="num reward-weight">{isObject(child) ? String(child.weight) : "?"} ×</span>{" "}
              <RewardNode node={isObject(child) ? child.node : child} />
            </li>
          ))}
        </ul>
      </span>
    );
  if (Array.isArray(node.krc))
    return (
      <span>
        kinesthetic combination{" "}
        <span className="muted">(geometric mean of |rᵢ|, negative unless all ≥ 0)</span>
        <ul className="reward-tree">
          {node.krc.map((child, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a spec's terms have no identity besides their place
            <li key={i}>
              <RewardNode node={child} />
            </li>
          ))}
        </ul>
      </span>
    );
  if ("potential" in node)
    return (
      <span>
        potential-based shaping <span className="muted">(γ {String(node.gamma)})</span> of{" "}
        <RewardNode node={node.potential} />
      </span>
    );
  if ("par" in node)
    return (
      <span>
        bounded, centred (PAR, reference {String(node.reference)}) of <RewardNode node={node.par} />
      </span>
    );
  if ("gated" in node)
    return (
      <span>
        gated (G-RA): <RewardNode node={node.gated} /> <span className="muted">counts only once</span>{" "}
        <RewardNode node={node.outcome} /> <span className="muted">reaches {String(node.threshold)}</span>
      </span>
    );
  return <code>{JSON.stringify(node)}</code>;
}

export function ManifestSummary({ manifest }: { manifest: Json }) {
  const training = isObject(manifest.training) ? manifest.training : null;
  const spec = training && isObject(training.rewardSpec) ? training.rewardSpec : null;
  const rows: [string, ReactNode][] = [
    ["Environment", manifest.env as string],
    ["Observation builder", manifest.observationBuilder as string],
    ["Action parser", manifest.actionParser as string],
    ["Tick skip", manifest.tickSkip as number],
  ];
  if (training) {
    rows.push(
      ["Backend", training.backend as string],
      [
        "Training steps",
        typeof training.globalStep === "number" ? training.globalStep.toLocaleString("en") : "–",
      ],
      [
        "Git commit",
        training.gitCommit ? <code key="commit">{String(training.gitCommit).slice(0, 12)}</code> : "–",
      ],
      ["Saved", typeof training.savedAt === "string" ? new Date(training.savedAt).toUTCString() : "–"],
    );
  }
  return (
    <>
      <dl className="facts">
        {rows
          .filter(([, v]) => v !== undefined && v !== null)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {spec && (
        <section aria-label="Reward spec">
          <h3>Reward</h3>
          {typeof spec.teamSpirit === "number" && (
            <p className="muted">team spirit τ = {spec.teamSpirit} (own reward mixed with the team's mean)</p>
          )}
          <div className="reward-root">
            <RewardNode node={spec.reward} />
          </div>
        </section>
      )}
    </>
  );
}
