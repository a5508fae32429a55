import type { Metadata } from "next";
import { headers } from "next/headers";
import { getOpenApi, type JsonSchema, type OpenApiOperation, publicApiUrl } from "@/lib/api";
import { CopyButton } from "../components/copy-button";
import { load, ServerProblem } from "../components/problem";
import { example, SchemaFields, typeText } from "./schema-view";

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

const anchor = (method: string, path: string) =>
  `${method}-${path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")}`;

/** A curl line for an operation, path parameters filled with their examples. */
function curlFor(
  base: string,
  method: string,
  path: string,
  op: OpenApiOperation,
  schemas: Record<string, JsonSchema>,
) {
  let url = path;
  for (const p of op.parameters ?? [])
    if (p.in === "path")
      url = url.replace(`{${p.name}}`, String(example(p.schema ?? {}, schemas, 0, p.name)));
  const auth = op.security?.length ? ` -H "authorization: Bearer $LEAGUE_KEY"` : "";
  const body = op.requestBody?.content?.["application/json"]?.schema;
  const data = body
    ? ` -H 'content-type: application/json' -d '${JSON.stringify(example(body, schemas))}'`
    : "";
  return `curl${method === "get" ? "" : ` -X ${method.toUpperCase()}`}${auth}${data} '${base}${url}'`;
}

function Operation({
  base,
  method,
  path,
  op,
  schemas,
}: {
  base: string;
  method: string;
  path: string;
  op: OpenApiOperation;
  schemas: Record<string, JsonSchema>;
}) {
  const body = op.requestBody?.content;
  const jsonBody = body?.["application/json"]?.schema;
  const ok = Object.entries(op.responses ?? {}).find(([code]) => code.startsWith("2"));
  const okSchema = ok?.[1].content?.["application/json"]?.schema;
  const errors = Object.keys(op.responses ?? {}).filter((code) => !code.startsWith("2"));
  const curl = curlFor(base, method, path, op, schemas);
  return (
    <article className="operation" id={anchor(method, path)} data-path={path}>
      <h3>
        <span className={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
        {op.security?.length ? <span className="muted small">API key</span> : null}
      </h3>
      {op.summary && <p>{op.summary}</p>}
      {op.description && <p className="muted small">{op.description}</p>}
      {op.parameters && op.parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <ul className="schema">
            {op.parameters.map((p) => (
              <li key={`${p.in}-${p.name}`}>
                <span className="field-name">{p.name}</span>
                {p.required ? "" : "?"} <span className="field-note">({p.in})</span>:{" "}
                <span className="field-type">{typeText(p.schema ?? {}, schemas)}</span>
                {(p.description ?? p.schema?.description) && (
                  <span className="field-note"> — {p.description ?? p.schema?.description}</span>
                )}
                {p.schema?.default !== undefined && (
                  <span className="field-note"> (default {JSON.stringify(p.schema.default)})</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {body && (
        <>
          <h4>Request body ({Object.keys(body).join(", ")})</h4>
          {jsonBody ? (
            <SchemaFields schema={jsonBody} schemas={schemas} />
          ) : (
            <p className="muted small">See the description above.</p>
          )}
        </>
      )}
      {ok && (
        <>
          <h4>
            Response {ok[0]}
            {okSchema?.$ref ? `: ${typeText(okSchema, schemas)}` : ""}
          </h4>
          {okSchema ? (
            <>
              <SchemaFields schema={okSchema} schemas={schemas} />
              <details>
                <summary className="muted small">Example response</summary>
                <pre className="code">{JSON.stringify(example(okSchema, schemas), null, 2)}</pre>
              </details>
            </>
          ) : (
            <p className="muted small">Not JSON: see the description above.</p>
          )}
        </>
      )}
      {errors.length > 0 && (
        <p className="muted small">
          Errors: {errors.join(", ")}, as <code>{'{ "error": { "code", "message" } }'}</code>.
        </p>
      )}
      <div className="example-head">
        <span className="muted small">Example</span>
        <CopyButton text={curl} />
      </div>
      <pre className="code">{curl}</pre>
    </article>
  );
}

export default async function ApiPage() {
  const request = await headers();
  const base = publicApiUrl(request.get("host"), request.get("x-forwarded-proto"));
  const result = await load(() => getOpenApi());
  const doc = result.data;
  const operations = doc
    ? Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ path, method, op })),
      )
    : [];
  const tags = [...new Set(operations.map((o) => o.op.tags?.[0] ?? "other"))];
  return (
    <>
      <section className="hero">
        <h1>API</h1>
        <p>
          JSON over HTTP under <code>/api/v1</code>, cursor pagination, one error shape (
          <code>{'{ "error": { "code", "message" } }'}</code>). This page is drawn from the server&apos;s{" "}
          <a href={`${base}/api/v1/openapi.json`}>OpenAPI document</a>
          {doc ? ` (version ${doc.info.version})` : ""}; live events come on the Socket.IO namespace{" "}
          <code>/feed</code>.
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
          <>
            <nav className="table-wrap" aria-label="Endpoint index">
              <table className="board">
                <tbody>
                  {operations.map(({ path, method, op }) => (
                    <tr key={`${method} ${path}`}>
                      <td>
                        <span className={`method method-${method}`}>{method.toUpperCase()}</span>
                      </td>
                      <td>
                        <a href={`#${anchor(method, path)}`}>
                          <code>{path}</code>
                        </a>
                      </td>
                      <td className="muted">{op.summary ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </nav>
            {tags.map((tag) => (
              <div key={tag}>
                <h3 className="api-tag">{tag}</h3>
                {operations
                  .filter((o) => (o.op.tags?.[0] ?? "other") === tag)
                  .map(({ path, method, op }) => (
                    <Operation
                      key={`${method} ${path}`}
                      base={base}
                      method={method}
                      path={path}
                      op={op}
                      schemas={doc?.components?.schemas ?? {}}
                    />
                  ))}
              </div>
            ))}
          </>
        )}
      </section>
    </>
  );
}
