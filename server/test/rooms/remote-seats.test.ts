// The remote-seat rules on their own, without a room: who may take a seat, how long kickoff waits
// for a player, and which team forfeits and why.
import { carSoccerParts } from "@league/envs";
import { describe, expect, it } from "vitest";
import { RemoteCarController } from "../../src/rooms/remote-controller.js";
import { RemoteSeats } from "../../src/rooms/remote-seats.js";

const parts = carSoccerParts("default", "lookup");
const remote = (name: string, versionId: string, ownerId: string) =>
  new RemoteCarController(name, versionId, ownerId, parts.obsBuilder, parts.actionParser, 1, 1000 / 15);
const bot = { name: "ball-chaser", act() {} };

describe("remote seats", () => {
  it("seat a version's owner once, and refuse anyone else with the reason", () => {
    const orange = remote("pilot v1", "v-1", "owner-a");
    const seats = new RemoteSeats([bot, orange], 10, (car) => (car === 0 ? 0 : 1));
    expect(seats.size).toBe(1);
    expect(seats.seatFor("v-1", "owner-a")).toBe(1);
    expect(() => seats.seatFor("v-1", "owner-b")).toThrow("version v-1 is not yours");
    expect(() => seats.seatFor("v-2", "owner-a")).toThrow("version v-2 does not play a remote seat");
    orange.attach(() => {});
    expect(() => seats.seatFor("v-1", "owner-a")).toThrow("seat 1 already has its player connected");
    expect(seats.seatMessage(1, "m-1")).toMatchObject({
      seat: 1,
      team: 1,
      matchId: "m-1",
      graceSeconds: 10,
      actionParser: "lookup",
      actionSize: 1,
    });
  });

  it("wait for an absent player through the grace period, then forfeit its team", () => {
    const blue = remote("pilot v1", "v-1", "owner-a");
    const seats = new RemoteSeats([blue, bot], 2, (car) => (car === 0 ? 0 : 1));
    expect(seats.awaitPlayers(1500)).toBe("waiting");
    expect(seats.awaitPlayers(500)).toBe("waiting"); // exactly the grace period: still waiting
    expect(seats.awaitPlayers(1)).toEqual({ team: 0, reason: "pilot v1 did not join within 2 s" });
  });

  it("start once every player has come, even if one drops later", () => {
    const blue = remote("pilot v1", "v-1", "owner-a");
    const seats = new RemoteSeats([blue, bot], 2, (car) => (car === 0 ? 0 : 1));
    blue.attach(() => {});
    expect(seats.awaitPlayers(16)).toBe("ready");
    blue.detach();
    expect(seats.awaitPlayers(5000)).toBe("ready");
    expect(seats.left(0)).toEqual({ team: 0, reason: "pilot v1 left the match" });
    expect(seats.gone(0)).toEqual({ team: 0, reason: "pilot v1 disconnected for more than 2 s" });
  });
});
