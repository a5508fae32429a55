import { notFound } from "next/navigation";
import { ApiUnavailableError } from "@/lib/api";

/** Reads from the server; a 404 becomes Next's not-found page, an unreachable server a message. */
export async function load<T>(
  read: () => Promise<T>,
): Promise<{ data: T; problem: null } | { data: null; problem: string }> {
  try {
    return { data: await read(), problem: null };
  } catch (error) {
    if (!(error instanceof ApiUnavailableError)) throw error;
    if (error.status === 404) notFound();
    return { data: null, problem: error.message };
  }
}

export function ServerProblem({ problem }: { problem: string }) {
  return (
    <div className="notice notice-error" role="alert">
      <strong>This page cannot be shown right now:</strong> {problem}. Start it with <code>npm start</code>,
      or set <code>LEAGUE_API_URL</code> to where it runs.
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
