import { describe, expect, it } from "vitest";
import { followStep } from "../app/matches/[id]/follow";

const league = "car-soccer-1v1";
const base = { matchId: "m1", leagueId: league };

describe("a live view whose room went away", () => {
  it("shows the result of a match that finished", () => {
    expect(followStep({ ...base, status: "finished", live: [] })).toEqual({ kind: "refresh" });
    // Even when the league's next live match has already started.
    const next = [{ id: "m2", leagueId: league, live: true }];
    expect(followStep({ ...base, status: "finished", live: next })).toEqual({ kind: "refresh" });
  });

  it("hands the spectator over to the league's live match when the match's server died", () => {
    const live = [
      { id: "m1", leagueId: league, live: true },
      { id: "x", leagueId: "car-soccer-2v2", live: true },
      { id: "h", leagueId: league, live: false },
      { id: "m3", leagueId: league, live: true },
    ];
    expect(followStep({ ...base, status: "aborted", live })).toEqual({ kind: "follow", matchId: "m3" });
    // Still "running" in the database while the cluster declares its server dead.
    expect(followStep({ ...base, status: "running", live })).toEqual({ kind: "follow", matchId: "m3" });
  });

  it("waits while there is nothing to follow or the API does not answer", () => {
    expect(
      followStep({ ...base, status: "aborted", live: [{ id: "m1", leagueId: league, live: true }] }),
    ).toEqual({
      kind: "wait",
    });
    expect(followStep({ ...base, status: null, live: [] })).toEqual({ kind: "wait" });
  });
});
