// The server's public HTTP API, as the web site (or any user) sees it.
import type { components, paths } from "./api-schema";

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

/**
 * The server could not be asked, or answered with an error: the page says so instead of breaking.
 * The message is shown to visitors, so it never names the server's internal address (`url` keeps
 * it for the web server's own log).
 */
export class ApiUnavailableError extends Error {
  constructor(
    readonly url: string,
    message: string,
    /** The HTTP status the server answered with, when it answered. */
    readonly status?: number,
    /** The API's error code (`league_not_found`, `invalid_request`…), when it answered with one. */
    readonly code?: string,
    /** Where a refused request went wrong (`params.id`, `querystring.cursor`…), when the API said. */
    readonly where: string[] = [],
  ) {
    super(message);
    this.name = "ApiUnavailableError";
  }

  /** The server answered, refusing what was asked (4xx): not an outage. */
  get refused(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500;
  }
}

export async function apiGet<T>(path: string, base: string = apiBaseUrl()): Promise<T> {
  const url = `${base}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store", signal: AbortSignal.timeout(5000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    console.error(`league API at ${base} is not answering (${cause}) for ${path}`);
    throw new ApiUnavailableError(base, `the league server is not answering (${cause})`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string; details?: { where?: string }[] };
    } | null;
    const reason = body?.error?.message ?? response.statusText;
    throw new ApiUnavailableError(
      base,
      response.status >= 500
        ? `the league server failed (${response.status}): ${reason}`
        : `the league refused this request (${response.status}): ${reason}`,
      response.status,
      body?.error?.code,
      (body?.error?.details ?? []).flatMap((d) => (typeof d.where === "string" ? [d.where] : [])),
    );
  }
  return (await response.json()) as T;
}

// Types of what the API answers, generated from its OpenAPI document (lib/api-schema.ts,
// `npm run api-types`): they cannot drift from the server's schemas.
type Schemas = components["schemas"];
/** The JSON body a GET of `P` answers with 200. */
type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer T } } } };
}
  ? T
  : never;

export type LeagueSummary = Schemas["League"];
export type LeaderboardEntry = Schemas["LeaderboardEntry"];
export type MatchView = Schemas["Match"];
export type MatchParticipant = MatchView["participants"][number];
export type AgentView = Schemas["Agent"];
export type HeadToHead = Schemas["HeadToHead"];
export type OwnerAgents = Schemas["OwnerAgents"];
export type RatingHistory = Ok<"/api/v1/versions/{versionId}/ratings">;
export type Leaderboard = Ok<"/api/v1/leagues/{id}/leaderboard">;

/** The parts of the OpenAPI document the API page draws. */
export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}
export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
}
/** The part of JSON Schema the API page draws. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  additionalProperties?: boolean | JsonSchema;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function getLeagues(base?: string): Promise<LeagueSummary[]> {
  return (await apiGet<{ items: LeagueSummary[] }>("/api/v1/leagues", base)).items;
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
export const getLeaderboard = (id: string, cursor?: string, limit = 25, best = false) =>
  apiGet<Leaderboard>(
    `/api/v1/leagues/${encodeURIComponent(id)}/leaderboard${q({ cursor, limit, best: best ? "true" : undefined })}`,
  );
export const getHeadToHead = (agentId: string) =>
  apiGet<Ok<"/api/v1/agents/{agentId}/head-to-head">>(
    `/api/v1/agents/${encodeURIComponent(agentId)}/head-to-head`,
  );
export const getOwnerAgents = (name: string) =>
  apiGet<OwnerAgents>(`/api/v1/owners/${encodeURIComponent(name)}/agents`);
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
export const getOpenApi = () => apiGet<OpenApiDocument>("/api/v1/openapi.json");
export const getLiveRoom = (matchId: string) =>
  apiGet<Ok<"/api/v1/matches/{matchId}/live">>(`/api/v1/matches/${encodeURIComponent(matchId)}/live`);
