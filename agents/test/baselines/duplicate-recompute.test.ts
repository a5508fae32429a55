import { describe, expect, it } from "vitest";
import { DuplicateMatch, recomputeDuplicate } from "../../src/index.js";

// A stored duplicate result can be checked without the policies that played it: the seeds and
// every seat's recorded choices reproduce each return and regret.
describe("recomputing a duplicate match from its recorded choices", () => {
  for (const [envId, policies] of [
    ["bandit-lsd-10", ["greedy", "state-thompson", "random"]],
    ["recsim-slate-5", ["popularity", "rec-random"]],
  ] as const) {
    it(`reproduces every seat's returns and regrets on ${envId}`, () => {
      const match = new DuplicateMatch({ env: envId, policies: [...policies], seeds: [3, 4] }).playToEnd();
      const result = match.result();
      const choices = match.choices();
      expect(choices).toMatchObject({ format: "league-duplicate-choices", envId, seeds: [3, 4] });
      const again = recomputeDuplicate(JSON.parse(JSON.stringify(choices)));
      expect(again.map((r) => r.returns)).toEqual(result.entries.map((e) => e.returns));
      expect(again.map((r) => r.regrets)).toEqual(result.entries.map((e) => e.regrets));
    });
  }

  it("shows a changed choice as a changed return, and refuses choices that do not fit the episodes", () => {
    const match = new DuplicateMatch({ env: "bandit-lsd-10", policies: ["greedy"], seeds: [7] }).playToEnd();
    const choices = match.choices();
    const recorded = match.result().entries[0]!.returns[0]!;
    // Move every pull to the next arm: a different sequence of choices earns a different return.
    const moved = { ...choices, seats: [[choices.seats[0]![0]!.map((a) => (a + 1) % 10)]] };
    expect(recomputeDuplicate(moved)[0]!.returns[0]).not.toBe(recorded);
    const short = { ...choices, seats: [[choices.seats[0]![0]!.slice(0, 10)]] };
    expect(() => recomputeDuplicate(short)).toThrow(/end after 10 steps, before the episode does/);
    const missing = { ...choices, seats: [[]] };
    expect(() => recomputeDuplicate(missing)).toThrow(/choices for 0 episodes, the match 1 seeds/);
  });
});
