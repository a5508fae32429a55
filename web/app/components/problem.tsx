import { notFound } from "next/navigation";
import { ApiUnavailableError } from "@/lib/api";

export interface Problem {
  message: string;
  /** The server answered and refused the request (4xx): not an outage. */
  refused: boolean;
}

/**
 * Reads from the server. Something that does not exist — a 404, or an id the API refuses as
 * malformed (a 400 about the path) — becomes the site's not-found page; any other refusal or an
 * unreachable server becomes a problem the page shows.
 */
export async function load<T>(
  read: () => Promise<T>,
): Promise<{ data: T; problem: null } | { data: null; problem: Problem }> {
  try {
    return { data: await read(), problem: null };
  } catch (error) {
    if (!(error instanceof ApiUnavailableError)) throw error;
    if (error.status === 404 || (error.status === 400 && error.where.some((w) => w.startsWith("params"))))
      notFound();
    return { data: null, problem: { message: error.message, refused: error.refused } };
  }
}

export function ServerProblem({ problem }: { problem: Problem }) {
  if (problem.refused)
    return (
      <div className="notice notice-error" role="alert">
        <strong>This page cannot be shown:</strong> {problem.message}.
      </div>
    );
  return (
    <div className="notice notice-error" role="alert">
      <strong>This page cannot be shown right now:</strong> {problem.message}. Try again in a moment; if you
      run this site, start the league server with <code>npm start</code>, or set <code>LEAGUE_API_URL</code>{" "}
      to where it runs.
    </div>
  );
}

export const fmt = (x: number, digits = 2) => x.toFixed(digits);
export const pct = (x: number | null) => (x === null ? "–" : `${Math.round(100 * x)}%`);

export function ago(iso: string | null): string {
  if (!iso) return "–";
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toISOString().slice(0, 10);
}
