import { describe, expect, it } from "vitest";
import { matchTitle, teamsOf } from "../app/components/team-line";

const seat = (slot: number, team: number, name: string, score: number, rank: number) => ({
  slot,
  team,
  score,
  rank,
  agent: { name },
});

describe("team matches read as teams", () => {
  it("a 3v3 match: blue and orange with their players, the winner marked", () => {
    const seats = [
      seat(3, 1, "forward", 1, 2),
      seat(0, 0, "ball-chaser", 2, 1),
      seat(4, 1, "shadow", 1, 2),
      seat(1, 0, "defender", 2, 1),
      seat(5, 1, "random", 1, 2),
      seat(2, 0, "ada-net", 2, 1),
    ];
    expect(matchTitle(seats)).toBe("Blue: ball-chaser, defender, ada-net vs Orange: forward, shadow, random");
    expect(teamsOf(seats)).toEqual([
      { team: 0, label: "Blue", names: ["ball-chaser", "defender", "ada-net"], score: 2, won: true },
      { team: 1, label: "Orange", names: ["forward", "shadow", "random"], score: 1, won: false },
    ]);
  });

  it("a draw marks no winner; a 1v1 or duplicate match keeps its names", () => {
    const draw = [seat(0, 0, "a", 1, 1), seat(1, 0, "b", 1, 1), seat(2, 1, "c", 1, 1), seat(3, 1, "d", 1, 1)];
    expect(teamsOf(draw)!.map((t) => t.won)).toEqual([false, false]);
    expect(teamsOf([seat(0, 0, "a", 1, 1), seat(1, 1, "b", 0, 2)])).toBeNull();
    expect(matchTitle([seat(0, 0, "a", 1, 1), seat(1, 1, "b", 0, 2)])).toBe("a vs b");
    const duplicate = [
      seat(0, 0, "ucb1", 0.8, 1),
      seat(1, 1, "greedy", 0.5, 2),
      seat(2, 2, "random", 0.1, 3),
    ];
    expect(teamsOf(duplicate)).toBeNull();
  });
});
