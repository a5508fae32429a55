"use client";

import Link from "next/link";
import { type FormEvent, useEffect, useState } from "react";
import { CopyButton } from "../components/copy-button";
import { FailureLog } from "../components/failure-log";

interface ApiErrorBody {
  error?: { code?: string; message?: string };
}

interface VersionStatus {
  version: number;
  status: string;
  failureLog: string | null;
  ratings: { leagueId: string; games: number; ordinal: number }[];
}

/** Placement games after which the page stops following a new version (its agent page goes on). */
const PLACEMENT_GAMES_SHOWN = 5;

/** The API as this browser reaches it: same host as the page, the server's port. */
const apiUrl = (serverPort: string, path: string) =>
  `${window.location.protocol}//${window.location.hostname}:${serverPort}${path}`;

async function call<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new Error("the league server is not answering; is it running?");
  }
  const body = (await response.json().catch(() => null)) as (T & ApiErrorBody) | null;
  if (!response.ok) throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
  return body as T;
}

export function SubmitForms({ serverPort }: { serverPort: string }) {
  const [key, setKey] = useState("");
  const [newKey, setNewKey] = useState<string | null>(null);
  const [signUpError, setSignUpError] = useState<string | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [submitted, setSubmitted] = useState<{ agentId: string; versionId: string; version: number } | null>(
    null,
  );
  const [status, setStatus] = useState<VersionStatus | null>(null);
  // Every status the new version was seen in, in order: pending → validating → active (or failed).
  const [seen, setSeen] = useState<string[]>([]);
  const [ownerName, setOwnerName] = useState<string | null>(null);

  async function signUp(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSignUpError(null);
    const form = new FormData(event.currentTarget);
    try {
      const body = await call<{ apiKey: { key: string } }>(apiUrl(serverPort, "/api/v1/owners"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: form.get("name"),
          ...(form.get("email") ? { email: form.get("email") } : {}),
        }),
      });
      setNewKey(body.apiKey.key);
      setKey(body.apiKey.key);
    } catch (error) {
      setSignUpError((error as Error).message);
    }
  }

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setUploadError(null);
    setSubmitted(null);
    setStatus(null);
    setSeen([]);
    const elements = event.currentTarget.elements;
    const chosen = ["folder", "files"].flatMap((name) => [
      ...((elements.namedItem(name) as HTMLInputElement | null)?.files ?? []),
    ]);
    const agent = (elements.namedItem("agent") as HTMLInputElement).value.trim();
    // A checkpoint folder holds agent.json, model.json and weight files, and maybe logs and charts.
    const byName = new Map<string, File>();
    for (const f of chosen)
      if (/\.(json|bin)$/.test(f.name) && !f.name.endsWith(".jsonl")) byName.set(f.name, f);
    const files = [...byName.values()];
    if (!key) return setUploadError("paste your API key first (or sign up above)");
    if (files.length === 0)
      return setUploadError("choose the checkpoint's files: agent.json, model.json and the weights");
    const form = new FormData();
    form.set("agent", agent || "my-agent");
    for (const file of files) form.append("files", file, file.name);
    setBusy(true);
    try {
      setSubmitted(
        await call(apiUrl(serverPort, "/api/v1/submissions"), {
          method: "POST",
          headers: { authorization: `Bearer ${key}` },
          body: form,
        }),
      );
    } catch (error) {
      setUploadError((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  // Follows the new version through validation and its placement games.
  useEffect(() => {
    if (!submitted) return;
    let stopped = false;
    const poll = async () => {
      try {
        const agent = await call<{ owner: { name: string }; versions: (VersionStatus & { id: string })[] }>(
          apiUrl(serverPort, `/api/v1/agents/${submitted.agentId}`),
          {},
        );
        const version = agent.versions.find((v) => v.id === submitted.versionId);
        if (version && !stopped) {
          setStatus(version);
          setOwnerName(agent.owner.name);
          setSeen((s) => (s.at(-1) === version.status ? s : [...s, version.status]));
        }
        // Settled: refused, retired, or through its placement games.
        const placed = (version?.ratings ?? []).some((r) => r.games >= PLACEMENT_GAMES_SHOWN);
        if (version && (version.status === "failed" || version.status === "retired" || placed)) return;
      } catch {
        // Try again on the next round.
      }
      if (!stopped) setTimeout(poll, 2000);
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [submitted, serverPort]);

  return (
    <>
      <section aria-label="Sign up">
        <h2>1. Get an API key</h2>
        <form className="form" onSubmit={signUp}>
          <label>
            Name{" "}
            <input
              name="name"
              required
              minLength={2}
              maxLength={64}
              pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*"
              placeholder="my-lab"
            />
          </label>
          <label>
            Email (optional) <input name="email" type="email" maxLength={254} />
          </label>
          <button type="submit">Sign up</button>
        </form>
        {signUpError && <div className="notice notice-error">{signUpError}</div>}
        {newKey && (
          <div className="notice" data-testid="new-key">
            Your API key, shown once: keep it somewhere safe.
            <div className="example-head">
              <code>{newKey}</code>
              <CopyButton text={newKey} />
            </div>
          </div>
        )}
      </section>

      <section aria-label="Upload">
        <h2>2. Upload a checkpoint</h2>
        <form className="form" onSubmit={upload}>
          <label>
            API key{" "}
            <input
              name="key"
              value={key}
              onChange={(e) => setKey(e.target.value.trim())}
              placeholder="al_…"
              autoComplete="off"
            />
          </label>
          <label>
            Agent name <input name="agent" required minLength={2} maxLength={64} placeholder="my-agent" />
          </label>
          <label>
            Checkpoint folder{" "}
            <input name="folder" type="file" {...{ webkitdirectory: "", directory: "" }} multiple />
          </label>
          <label>
            or its files <input name="files" type="file" multiple accept=".json,.bin" />
          </label>
          <button type="submit" disabled={busy}>
            {busy ? "Uploading…" : "Submit"}
          </button>
        </form>
        {uploadError && (
          <div className="notice notice-error" data-testid="upload-error">
            <strong>The league did not accept it:</strong> {uploadError}
          </div>
        )}
        {submitted && (
          <div className="notice" data-testid="submitted">
            Version {submitted.version} received.{" "}
            <Link href={`/agents/${submitted.agentId}`} prefetch={false}>
              Its agent page
            </Link>{" "}
            follows it
            {ownerName && (
              <>
                , and{" "}
                <Link href={`/owners/${encodeURIComponent(ownerName)}`} prefetch={false}>
                  all your agents
                </Link>{" "}
                are on your owner page
              </>
            )}
            .
            <div>
              Status:{" "}
              <span className={`status status-${status?.status ?? "pending"}`} data-testid="submitted-status">
                {status?.status ?? "pending"}
              </span>
              {seen.length > 1 && (
                <span className="muted small" data-testid="status-trail">
                  {" "}
                  (seen: {seen.join(" → ")})
                </span>
              )}
              {status?.status === "pending" && (
                <div className="muted small">waiting for its validation match against a copy of itself…</div>
              )}
              {status?.status === "validating" && (
                <div className="muted small">playing its validation match against a copy of itself…</div>
              )}
              {status?.status === "failed" && (
                <div className="muted small">It failed validation and will not play on the ladder:</div>
              )}
              {status?.failureLog && <FailureLog log={status.failureLog} />}
              {status?.ratings.map((r) => (
                <div key={r.leagueId} className="muted">
                  {r.leagueId}: {r.games} placement game{r.games === 1 ? "" : "s"} so far, ordinal{" "}
                  {r.ordinal.toFixed(2)}
                </div>
              ))}
            </div>
          </div>
        )}
      </section>
    </>
  );
}
