"use client";

// The agent page's live corner: "Watch live" while one of the agent's versions plays a live match,
// and a form to challenge one of its versions with a version of your own (POST /api/v1/challenges
// with your API key): a live match, always unrated, with a link to watch it.
import Link from "next/link";
import { type FormEvent, useEffect, useState } from "react";

interface ApiErrorBody {
  error?: { code?: string; message?: string };
}

interface LiveMatch {
  id: string;
  participants: { versionId: string }[];
}

/** The API as this browser reaches it: same host as the page, the server's port. */
const apiUrl = (serverPort: string, path: string) =>
  `${window.location.protocol}//${window.location.hostname}:${serverPort}${path}`;

export function ChallengePanel({
  serverPort,
  versions,
  carSoccer,
}: {
  serverPort: string;
  /** The agent's versions that can be challenged (active or reserve), newest first. */
  versions: { id: string; version: number }[];
  /** Only car-soccer agents play live matches. */
  carSoccer: boolean;
}) {
  const [liveMatchId, setLiveMatchId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ matchId: string } | null>(null);
  const ids = versions.map((v) => v.id).join(",");

  useEffect(() => {
    if (!carSoccer || !ids) return;
    const mine = new Set(ids.split(","));
    let stopped = false;
    const look = async () => {
      const response = await fetch(apiUrl(serverPort, "/api/v1/matches/live")).catch(() => null);
      const body = (await response?.json().catch(() => null)) as { items?: LiveMatch[] } | null;
      const playing = body?.items?.find((m) => m.participants.some((p) => mine.has(p.versionId)));
      if (!stopped) setLiveMatchId(playing?.id ?? null);
    };
    void look();
    const timer = setInterval(look, 10_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [serverPort, ids, carSoccer]);

  async function challenge(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setCreated(null);
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const response = await fetch(apiUrl(serverPort, "/api/v1/challenges"), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${String(form.get("apiKey") ?? "").trim()}`,
        },
        body: JSON.stringify({
          versionId: String(form.get("versionId") ?? "").trim(),
          opponentVersionId: String(form.get("opponentVersionId")),
          durationSeconds: Number(form.get("durationSeconds")),
        }),
      }).catch(() => {
        throw new Error("the league server is not answering; is it running?");
      });
      const body = (await response.json().catch(() => null)) as ({ matchId: string } & ApiErrorBody) | null;
      if (!response.ok) throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
      setCreated({ matchId: body!.matchId });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (!carSoccer || versions.length === 0) return null;
  return (
    <section aria-label="Live play">
      <h2>Live play</h2>
      {liveMatchId ? (
        <p>
          <Link href={`/matches/${liveMatchId}`} prefetch={false}>
            Watch live
          </Link>{" "}
          — a version of this agent is playing now.
        </p>
      ) : null}
      <form className="challenge-form" onSubmit={challenge}>
        <h3>Challenge</h3>
        <p>Your version against one of this agent&apos;s, live and unrated (no rating moves).</p>
        <label>
          Your API key <input name="apiKey" type="password" required autoComplete="off" />
        </label>
        <label>
          Your version id <input name="versionId" required pattern="[0-9a-fA-F-]{36}" />
        </label>
        <label>
          Against{" "}
          <select name="opponentVersionId" defaultValue={versions[0]!.id}>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.version}
              </option>
            ))}
          </select>
        </label>
        <label>
          Seconds <input name="durationSeconds" type="number" min={5} max={300} defaultValue={60} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Starting…" : "Challenge"}
        </button>
      </form>
      {error ? <p role="alert">{error}</p> : null}
      {created ? (
        <p>
          Started (unrated):{" "}
          <Link href={`/matches/${created.matchId}`} prefetch={false}>
            watch it live
          </Link>
        </p>
      ) : null}
    </section>
  );
}
