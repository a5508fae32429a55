import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachFeed, type FeedEvents, PlatformEvents } from "../src/feed.js";

let http: Server;
let url: string;
const events = new PlatformEvents();
let close: () => Promise<void>;
const clients: Socket[] = [];

beforeAll(async () => {
  http = createServer();
  const io = attachFeed(http, events, { corsOrigins: ["http://localhost:3000"] });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/feed`;
  close = async () => {
    for (const c of clients) c.disconnect();
    await io.close();
  };
});
afterAll(() => close());

async function client(): Promise<Socket> {
  const socket = connect(url, { transports: ["websocket"], forceNew: true });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

const finished = (leagueId: string): FeedEvents["match.finished"] => ({
  matchId: `m-${leagueId}`,
  leagueId,
  result: { goals: [1, 0] },
  ranks: [{ versionId: "v1", rank: 1 }],
});

describe("live feed", () => {
  it("broadcasts platform events to every client, and only a league's to its subscribers", async () => {
    const everything = await client();
    const lsdOnly = await client();
    expect(await lsdOnly.emitWithAck("subscribe", { league: "bandit-lsd-10" })).toEqual({
      ok: true,
      league: "bandit-lsd-10",
    });

    const seenAll: string[] = [];
    const seenLsd: string[] = [];
    everything.on("match.finished", (e: FeedEvents["match.finished"]) => seenAll.push(e.leagueId));
    lsdOnly.on("match.finished", (e: FeedEvents["match.finished"]) => seenLsd.push(e.leagueId));
    const got = new Promise<void>((resolve) => lsdOnly.once("match.finished", () => resolve()));

    events.publish("match.finished", finished("car-soccer-1v1"));
    events.publish("match.finished", finished("bandit-lsd-10"));
    await got;
    await new Promise((r) => setTimeout(r, 100)); // let the other deliveries land
    expect(seenAll).toEqual(["car-soccer-1v1", "bandit-lsd-10"]);
    expect(seenLsd).toEqual(["bandit-lsd-10"]);
  });

  it("answers a malformed subscription with the reason and keeps the connection", async () => {
    const socket = await client();
    expect(await socket.emitWithAck("subscribe", { league: "../../etc" })).toMatchObject({
      error: { code: "invalid_request" },
    });
    expect(await socket.emitWithAck("subscribe", null)).toMatchObject({ error: { code: "invalid_request" } });
    expect(socket.connected).toBe(true);
    const payload: FeedEvents["agent.submitted"] = {
      agentId: "a",
      versionId: "v",
      version: 2,
      agentName: "bot",
      ownerName: "ada",
      envId: "car-soccer-1v1",
    };
    const received = new Promise((resolve) => socket.once("agent.submitted", resolve));
    events.publish("agent.submitted", payload);
    expect(await received).toEqual(payload);
  });
});
