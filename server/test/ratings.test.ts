import { describe, expect, it } from "vitest";
import { matchQuality, ordinal, RatingError, type RatingParams, rateMatch } from "../src/ratings.js";

const LEAGUE: RatingParams = { model: "plackettLuce", mu: 25, sigma: 25 / 3, beta: 25 / 6, tau: 25 / 300 };
const fresh = () => ({ mu: LEAGUE.mu, sigma: LEAGUE.sigma });

describe("OpenSkill ratings", () => {
  it("raise the winner, lower the loser, and shrink both uncertainties", () => {
    const [winner, loser] = rateMatch(LEAGUE, [[fresh()], [fresh()]], [1, 2]).map((team) => team[0]!) as [
      { mu: number; sigma: number },
      { mu: number; sigma: number },
    ];
    expect(winner.mu).toBeGreaterThan(25);
    expect(loser.mu).toBeLessThan(25);
    expect(winner.mu - 25).toBeCloseTo(25 - loser.mu, 6); // symmetric for equal starting skills
    expect(winner.sigma).toBeLessThan(LEAGUE.sigma + LEAGUE.tau);
    expect(loser.sigma).toBeLessThan(LEAGUE.sigma + LEAGUE.tau);
  });

  it("leave equal players level after a draw", () => {
    const [a, b] = rateMatch(LEAGUE, [[fresh()], [fresh()]], [1, 1]).map((team) => team[0]!.mu);
    expect(a).toBeCloseTo(25, 6);
    expect(b).toBeCloseTo(25, 6);
  });

  it("rate 2v2 teams member by member and rank several duplicate-play players", () => {
    const teams = rateMatch(
      LEAGUE,
      [
        [fresh(), fresh()],
        [fresh(), fresh()],
      ],
      [2, 1],
    );
    expect(teams[0]!.every((s) => s.mu < 25)).toBe(true);
    expect(teams[1]!.every((s) => s.mu > 25)).toBe(true);
    const field = rateMatch(LEAGUE, [[fresh()], [fresh()], [fresh()], [fresh()]], [3, 1, 4, 2]).map(
      (t) => t[0]!.mu,
    );
    expect([...field].sort((a, b) => b - a)).toEqual([field[1], field[3], field[0], field[2]]);
  });

  it("order by the ordinal mu - 3 sigma", () => {
    expect(ordinal({ mu: 25, sigma: 25 / 3 })).toBeCloseTo(0, 12);
    expect(ordinal({ mu: 30, sigma: 2 })).toBe(24);
  });

  it("find an even pairing better than a lopsided one", () => {
    const even = matchQuality(LEAGUE, [[{ mu: 30, sigma: 2 }], [{ mu: 30, sigma: 2 }]]);
    const lopsided = matchQuality(LEAGUE, [[{ mu: 40, sigma: 2 }], [{ mu: 15, sigma: 2 }]]);
    expect(even).toBeGreaterThan(lopsided);
    expect(even).toBeLessThanOrEqual(1);
  });

  it("refuse malformed matches with the reason", () => {
    expect(() => rateMatch(LEAGUE, [[fresh()]], [1])).toThrow(RatingError);
    expect(() => rateMatch(LEAGUE, [[fresh()], [fresh()]], [1])).toThrow(/ranks has 1 entries for 2 teams/);
    expect(() => rateMatch(LEAGUE, [[fresh()], []], [1, 2])).toThrow(/team 1 has no players/);
    expect(() => rateMatch(LEAGUE, [[fresh()], [fresh()]], [0, 1])).toThrow(/integers >= 1/);
    expect(() => rateMatch({ ...LEAGUE, model: "elo" }, [[fresh()], [fresh()]], [1, 2])).toThrow(
      /unknown rating model "elo"/,
    );
  });
});
