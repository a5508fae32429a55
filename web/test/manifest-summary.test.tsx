import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ManifestSummary } from "../app/agents/[id]/manifest-summary";

// A manifest as `league train` writes it, with the default Lucy-SKG-style reward.
const manifest = {
  name: "striker",
  kind: "model",
  env: "car-soccer-1v1",
  observationBuilder: "default",
  actionParser: "lookup",
  tickSkip: 8,
  training: {
    backend: "tensorflow",
    globalStep: 1234567,
    gitCommit: "0123456789abcdef0123",
    savedAt: "2026-11-24T09:00:00.000Z",
    rewardSpec: {
      teamSpirit: 0.3,
      reward: {
        weightedSum: [
          { node: { term: "goal" }, weight: 10 },
          {
            node: {
              krc: [
                { term: "velocity_player_to_ball" },
                { term: "distance_player_to_ball", params: { dispersion: 1, density: 2 } },
              ],
            },
            weight: 0.5,
          },
          { node: { potential: { term: "distance_ball_to_goal" }, gamma: 0.99 }, weight: 1 },
          { node: { gated: { term: "face_ball" }, outcome: { term: "touch" }, threshold: 1 }, weight: 0.2 },
          { node: { novelty: { scale: 0.1 } }, weight: 1 },
        ],
      },
    },
  },
};

describe("an agent's manifest summary", () => {
  const html = renderToStaticMarkup(<ManifestSummary manifest={manifest} />);

  it("shows the interface and the training run", () => {
    expect(html).toContain("car-soccer-1v1");
    expect(html).toContain("lookup");
    expect(html).toContain("1,234,567");
    expect(html).toContain("0123456789ab");
    expect(html).not.toContain("0123456789abc<");
    expect(html).toContain("tensorflow");
  });

  it("draws the reward spec as a tree: weights, combinators, terms and their parameters", () => {
    expect(html).toContain("team spirit τ = 0.3");
    expect(html).toMatch(/10 ×<\/span> <span><code>goal<\/code>/);
    expect(html).toContain("kinesthetic combination");
    expect(html).toContain("dispersion 1, density 2");
    expect(html).toMatch(/potential-based shaping .*γ 0.99/);
    expect(html).toMatch(
      /gated \(G-RA\): <span><code>face_ball<\/code>.*counts only once.*<code>touch<\/code>.*reaches 1/,
    );
    // A node kind this page does not know is shown as JSON, not dropped.
    expect(html).toContain("{&quot;novelty&quot;:{&quot;scale&quot;:0.1}}");
  });

  it("leaves out the training and reward sections for a scripted agent", () => {
    const scripted = renderToStaticMarkup(
      <ManifestSummary
        manifest={{
          env: "car-soccer-1v1",
          observationBuilder: "default",
          actionParser: "continuous",
          tickSkip: 8,
        }}
      />,
    );
    expect(scripted).toContain("continuous");
    expect(scripted).not.toContain("Training steps");
    expect(scripted).not.toContain("Reward");
  });
});
