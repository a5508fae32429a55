// The server's public HTTP API, as the web site (or any user) sees it.

/** Where the league server answers; read on the web server, never sent to the browser. */
export function apiBaseUrl(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.LEAGUE_API_URL?.trim();
  if (explicit) return explicit.replace(/\/+$/, "");
  return `http://127.0.0.1:${env.SERVER_PORT?.trim() || "2567"}`;
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
    );
  }
  return (await response.json()) as T;
}

export async function getLeagues(base?: string): Promise<LeagueSummary[]> {
  return (await apiGet<{ items: LeagueSummary[] }>("/api/v1/leagues", base)).items;
}
