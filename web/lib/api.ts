// The server's public HTTP API, as the web site (or any user) sees it.

/** Where the league server answers; read on the web server, never sent to the browser. */
export function apiBaseUrl(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.LEAGUE_API_URL?.trim();
  if (explicit) return explicit.replace(/\/+$/, "");
  return `http://127.0.0.1:${env.SERVER_PORT?.trim() || "2567"}`;
}

/** The server's port as a browser on the same host reaches it (for the live feed). */
export function publicServerPort(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.LEAGUE_PUBLIC_SERVER_PORT?.trim();
  if (explicit) return explicit;
  try {
    return new URL(apiBaseUrl(env)).port || "2567";
  } catch {
    return "2567";
  }
}

/**
 * The server's address as the reader's browser reaches it: the host the page was asked for (its
 * Host header) on the server's public port — what copyable examples must name, not 127.0.0.1.
 */
export function publicApiUrl(
  host: string | null,
  forwardedProto: string | null = null,
  env: Record<string, string | undefined> = process.env,
): string {
  const proto = forwardedProto?.split(",")[0]?.trim() === "https" ? "https" : "http";
  if (!host) return apiBaseUrl(env);
  try {
    const hostname = new URL(`http://${host}`).hostname;
    return `${proto}://${hostname}:${publicServerPort(env)}`;
  } catch {
    return apiBaseUrl(env);
  }
}

export interface LeagueSummary {
  id: string;
  envId: string;
  envVersion: number;
  mode: "head-to-head" | "duplicate";
  title: string;
  description: string;
  teamSize: number;
  rating: { model: string; mu: number; sigma: number; beta: number; tau: number };
  ratedVersions: number;
  finishedMatches: number;
}

/** The server could not be asked, or answered with an error: the page says so instead of breaking. */
export class ApiUnavailableError extends Error {
  constructor(
    readonly url: string,
    reason: string,
    /** The HTTP status the server answered with, when it answered. */
    readonly status?: number,
  ) {
    super(`the league server at ${url} ${reason}`);
    this.name = "ApiUnavailableError";
  }
}

export async function apiGet<T>(path: string, base: string = apiBaseUrl()): Promise<T> {
  const url = `${base}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store", signal: AbortSignal.timeout(5000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new ApiUnavailableError(base, `is not answering (${cause})`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiUnavailableError(
      base,
      `answered ${response.status} for ${path}: ${body?.error?.message ?? response.statusText}`,
      response.status,
    );
  }
  return (await response.json()) as T;
}

export async function getLeagues(base?: string): Promise<LeagueSummary[]> {
  return (await apiGet<{ items: LeagueSummary[] }>("/api/v1/leagues", base)).items;
}

export interface LeaderboardEntry {
  rank: number;
  versionId: string;
  version: number;
  agent: { id: string; name: string };
  owner: { name: string };
  mu: number;
  sigma: number;
  ordinal: number;
  games: number;
  wins: number;
  losses: number;
  draws: number;
  winRate: number | null;
  /** Ordinal change over the last five rated matches. */
  trend: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface MatchParticipant {
  slot: number;
  team: number;
  versionId: string;
  version: number;
  agent: { id: string; name: string };
  owner: { name: string };
  score: number | null;
  rank: number | null;
  rating: { muBefore: number; sigmaBefore: number; muAfter: number; sigmaAfter: number } | null;
}

export interface MatchView {
  id: string;
  leagueId: string;
  seed: string;
  status: "queued" | "running" | "finished" | "aborted";
  live: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: unknown;
  error: string | null;
  hasReplay: boolean;
  participants: MatchParticipant[];
}

export interface AgentView {
  id: string;
  name: string;
  kind: "scripted" | "model" | "remote";
  description: string;
  owner: { name: string };
  createdAt: string;
  versions: {
    id: string;
    version: number;
    envId: string;
    status: string;
    failureLog: string | null;
    createdAt: string;
    artifactSize: number;
    manifest: Record<string, unknown> | null;
    ratings: {
      leagueId: string;
      mu: number;
      sigma: number;
      ordinal: number;
      games: number;
      wins: number;
      losses: number;
      draws: number;
    }[];
  }[];
}

export interface RatingHistory {
  versionId: string;
  leagueId: string;
  points: { at: string; matchId: string | null; mu: number; sigma: number; ordinal: number }[];
}

const q = (params: Record<string, string | number | undefined>) => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== "") as [
    string,
    string | number,
  ][];
  return entries.length
    ? `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&")}`
    : "";
};

export const getLeague = (id: string) => apiGet<LeagueSummary>(`/api/v1/leagues/${encodeURIComponent(id)}`);
export const getLeaderboard = (id: string, cursor?: string, limit = 25) =>
  apiGet<Page<LeaderboardEntry> & { league: string }>(
    `/api/v1/leagues/${encodeURIComponent(id)}/leaderboard${q({ cursor, limit })}`,
  );
export const getLeagueMatches = (
  id: string,
  options: { cursor?: string; limit?: number; agent?: string } = {},
) =>
  apiGet<Page<MatchView>>(
    `/api/v1/leagues/${encodeURIComponent(id)}/matches${q({ limit: options.limit ?? 10, cursor: options.cursor, agent: options.agent })}`,
  );
export const getMatch = (id: string) => apiGet<MatchView>(`/api/v1/matches/${encodeURIComponent(id)}`);
export const getLiveMatches = () => apiGet<{ items: MatchView[] }>("/api/v1/matches/live");
export const getRecentMatches = (limit = 8, agent?: string) =>
  apiGet<Page<MatchView>>(`/api/v1/matches${q({ limit, agent })}`);
export const getAgent = (id: string) => apiGet<AgentView>(`/api/v1/agents/${encodeURIComponent(id)}`);
export const getRatingHistory = (versionId: string, league: string) =>
  apiGet<RatingHistory>(`/api/v1/versions/${encodeURIComponent(versionId)}/ratings${q({ league })}`);
export const getOpenApi = () =>
  apiGet<{
    info: { version: string };
    paths: Record<string, Record<string, { summary?: string; description?: string; tags?: string[] }>>;
  }>("/api/v1/openapi.json");
export const getLiveRoom = (matchId: string) =>
  apiGet<{ matchId: string; roomName: string; roomId: string; spectators: number }>(
    `/api/v1/matches/${encodeURIComponent(matchId)}/live`,
  );
