import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { league } from "./league.js";

const SHIPPED = path.resolve(import.meta.dirname, "../../../server/builtins/ppo-selfplay-1v1");

describe("league connect", () => {
  it("registers under the name it was given and prints the answer deadline in whole milliseconds", async () => {
    const requests: { url: string; body: Record<string, unknown> }[] = [];
    // The league's two HTTP steps (register, ask for a match); the room itself is not there.
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d));
      req.on("end", () => {
        requests.push({ url: req.url ?? "", body: body ? JSON.parse(body) : {} });
        res.setHeader("content-type", "application/json");
        if (req.url === "/api/v1/agents/remote") {
          res.statusCode = 201;
          res.end(JSON.stringify({ agentId: "a7", versionId: "v9", version: 2, env: "car-soccer-1v1" }));
        } else if (req.url === "/api/v1/remote/matches") {
          res.statusCode = 201;
          res.end(
            JSON.stringify({
              matchId: "m1",
              roomId: "r1",
              room: "car_soccer",
              leagueId: "car-soccer-1v1",
              seat: 0,
              deadlineMs: 1000 / 15,
              graceSeconds: 10,
            }),
          );
        } else {
          res.statusCode = 404;
          res.end(JSON.stringify({ error: { code: "not_found", message: "no such room" } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = await league([
        "connect",
        SHIPPED,
        "--server",
        url,
        "--key",
        "al_abcdefghij_secret",
        "--agent",
        "my-remote",
      ]);
      expect(requests[0]).toMatchObject({ url: "/api/v1/agents/remote", body: { name: "my-remote" } });
      expect(run.stdout).toMatch(/^registered remote version 2 of my-remote \(v9\)$/m);
      expect(run.stdout).toMatch(/^match m1: my-remote joins room r1 \(seat 0, 67 ms per answer\)$/m);
      // No room to join here: the CLI says so and fails.
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/could not join room r1/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
