import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiUnavailableError, apiBaseUrl, getLeagues, publicApiUrl } from "../lib/api";

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/api/v1/leagues") {
      res.end(JSON.stringify({ items: [{ id: "car-soccer-1v1", title: "Car soccer 1v1" }] }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: "not_found", message: `no route for GET ${req.url}` } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("web's API client", () => {
  it("finds the server from LEAGUE_API_URL, else from SERVER_PORT on this machine", () => {
    expect(apiBaseUrl({ LEAGUE_API_URL: "https://league.example/" })).toBe("https://league.example");
    expect(apiBaseUrl({ SERVER_PORT: "3999" })).toBe("http://127.0.0.1:3999");
    expect(apiBaseUrl({})).toBe("http://127.0.0.1:2567");
  });

  it("names the server in examples as the reader's browser reaches it", () => {
    const env = { SERVER_PORT: "2567" };
    expect(publicApiUrl("league.example:3000", null, env)).toBe("http://league.example:2567");
    expect(publicApiUrl("league.example", "https", env)).toBe("https://league.example:2567");
    expect(publicApiUrl("[::1]:3000", null, env)).toBe("http://[::1]:2567");
    expect(publicApiUrl("10.0.0.5:3000", null, { LEAGUE_PUBLIC_SERVER_PORT: "8443" })).toBe(
      "http://10.0.0.5:8443",
    );
    // No Host header (a direct call): the configured address.
    expect(publicApiUrl(null, null, env)).toBe("http://127.0.0.1:2567");
  });

  it("reads leagues over HTTP", async () => {
    expect(await getLeagues(base)).toEqual([{ id: "car-soccer-1v1", title: "Car soccer 1v1" }]);
  });

  it("turns an error answer into a refusal with the server's reason, not an outage", async () => {
    const error = await getLeagues(`${base}/missing`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiUnavailableError);
    expect((error as Error).message).toBe(
      "the league refused this request (404): no route for GET /missing/api/v1/leagues",
    );
    expect(error).toMatchObject({ status: 404, code: "not_found", refused: true });
  });

  it("says the server is not answering, keeping its address for the log only", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await getLeagues(`http://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiUnavailableError);
    // Shown to visitors: no internal address in it.
    expect((error as Error).message).toBe("the league server is not answering (ECONNREFUSED)");
    expect(error).toMatchObject({ url: `http://127.0.0.1:${port}`, refused: false });
  });
});
