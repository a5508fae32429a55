import type { Metadata } from "next";
import { headers } from "next/headers";
import { getOpenApi, publicApiUrl } from "@/lib/api";
import { CopyButton } from "../components/copy-button";
import { load, ServerProblem } from "../components/problem";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API" };

const EXAMPLES: { title: string; command: (base: string) => string }[] = [
  { title: "Leagues", command: (base) => `curl ${base}/api/v1/leagues` },
  {
    title: "A leaderboard, 10 per page",
    command: (base) => `curl '${base}/api/v1/leagues/bandit-lsd-10/leaderboard?limit=10'`,
  },
  {
    title: "Sign up (the key is shown once)",
    command: (base) =>
      `curl -X POST ${base}/api/v1/owners -H 'content-type: application/json' -d '{"name":"my-lab"}'`,
  },
  {
    title: "Submit a checkpoint folder",
    command: (base) =>
      `curl -X POST ${base}/api/v1/submissions -H "authorization: Bearer $LEAGUE_KEY" -F agent=my-agent -F files=@agent.json -F files=@model.json -F files=@weights.bin`,
  },
];

export default async function ApiPage() {
  const request = await headers();
  const base = publicApiUrl(request.get("host"), request.get("x-forwarded-proto"));
  const result = await load(() => getOpenApi());
  return (
    <>
      <section className="hero">
        <h1>API</h1>
        <p>
          JSON over HTTP under <code>/api/v1</code>, cursor pagination, one error shape (
          <code>{'{ "error": { "code", "message" } }'}</code>). The full description is the{" "}
          <a href={`${base}/api/v1/openapi.json`}>OpenAPI document</a>; live events come on the Socket.IO
          namespace <code>/feed</code>.
        </p>
      </section>
      <section aria-label="Examples">
        <h2>Examples</h2>
        {EXAMPLES.map((e) => (
          <div key={e.title} className="example">
            <div className="example-head">
              <span>{e.title}</span>
              <CopyButton text={e.command(base)} />
            </div>
            <pre className="code">{e.command(base)}</pre>
          </div>
        ))}
      </section>
      <section aria-label="Endpoints">
        <h2>Endpoints</h2>
        {result.problem !== null ? (
          <ServerProblem problem={result.problem} />
        ) : (
          <table className="board">
            <thead>
              <tr>
                <th>Method</th>
                <th>Path</th>
                <th>What it does</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(result.data.paths).flatMap(([path, methods]) =>
                Object.entries(methods).map(([method, op]) => (
                  <tr key={`${method} ${path}`}>
                    <td>
                      <span className={`method method-${method}`}>{method.toUpperCase()}</span>
                    </td>
                    <td>
                      <code>{path}</code>
                    </td>
                    <td>{op.summary ?? ""}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
