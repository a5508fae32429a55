import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RewardInsight } from "../app/agents/[id]/reward-insight";

// An analysis as the server stores it at validation (server/src/league/reward-insight.ts).
const analysis = {
  players: { blue: "ball-chaser", orange: "defender" },
  episodes: 6,
  goals: { blue: 3, orange: 1 },
  components: [
    { name: "goal", shareOfMagnitude: 0.1, shareOfTotal: 0.12, correlationWithGoals: 1 },
    { name: "concede", shareOfMagnitude: 0.05, shareOfTotal: -0.06, correlationWithGoals: -0.4 },
    {
      name: "velocity_player_to_ball",
      shareOfMagnitude: 0.85,
      shareOfTotal: 0.94,
      correlationWithGoals: null,
    },
  ],
  distanceToGoals: { epic: 0.083, starc: 0.545, goalsIndifferent: false, transitions: 260, gamma: 0.99 },
  termination: { flagged: true, reason: "scoring forfeits more than it pays" },
  hacking: null,
  flags: ["termination incentive: scoring forfeits more than it pays"],
};

describe("the agent page's reward insight", () => {
  it("draws what each part pays, the distances to goals and the flags", () => {
    const html = renderToStaticMarkup(<RewardInsight analysis={analysis} version={3} />);
    expect(html).toContain('data-testid="reward-shares"');
    // One bar per part, 85% of the track for the per-step chase term.
    expect(html.match(/class="bar( negative)?"/g)).toHaveLength(3);
    expect(html).toContain('width="255"');
    expect(html).toContain("85.0%");
    expect(html).toContain('class="bar negative"'); // concede pays negatively
    expect(html).toContain("0.083");
    expect(html).toContain("0.545");
    expect(html).toContain("⚠ termination incentive: scoring forfeits more than it pays");
  });

  it("says when the checkpoint carries no reward spec, and when the analysis failed", () => {
    expect(renderToStaticMarkup(<RewardInsight analysis={null} version={2} />)).toContain(
      "No reward spec: v2&#x27;s checkpoint does not say what reward it was trained on",
    );
    expect(
      renderToStaticMarkup(<RewardInsight analysis={{ error: "unknown term" }} version={2} />),
    ).toContain("could not be analysed: unknown term");
  });
});
