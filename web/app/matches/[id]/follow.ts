"use client";

// What a live view does when its room goes away: a finished match re-renders as its result and
// replay; a match whose server died (aborted, or running with no room) hands the spectator over
// to the league's live match on a surviving server, as a broadcast cuts to the next game.
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";

export interface FollowInput {
  matchId: string;
  leagueId: string;
  /** The match as the API tells now; null when the API did not answer. */
  status: "queued" | "running" | "finished" | "aborted" | null;
  /** Matches running now, as `GET /api/v1/matches/live` lists them. */
  live: { id: string; leagueId: string; live: boolean }[];
}

export type FollowStep = { kind: "refresh" } | { kind: "follow"; matchId: string } | { kind: "wait" };

/** The next step after the room is gone, from what the API says. */
export function followStep({ matchId, leagueId, status, live }: FollowInput): FollowStep {
  if (status === "finished") return { kind: "refresh" };
  const next = live.find((m) => m.live && m.leagueId === leagueId && m.id !== matchId);
  if (next) return { kind: "follow", matchId: next.id };
  // Aborted with no successor yet, running while its server is being declared dead, or no answer.
  return { kind: "wait" };
}

/** How often, and for how long, to ask the API after the room went away. */
const POLL_MS = 2000;
const GIVE_UP_MS = 120_000;

/**
 * Returns `roomGone()`, to call when the room leaves; it then follows the match to its result or
 * to the league's next live match, and a line saying what is happening meanwhile.
 */
export function useFollowMatch(serverPort: string, matchId: string, leagueId: string) {
  const router = useRouter();
  const [notice, setNotice] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const following = useRef(false);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const roomGone = useCallback(() => {
    if (following.current) return;
    following.current = true;
    const api = `${window.location.protocol}//${window.location.hostname}:${serverPort}/api/v1`;
    const started = Date.now();
    const read = async <T>(path: string): Promise<T | null> => {
      try {
        const res = await fetch(`${api}${path}`, { cache: "no-store" });
        return res.ok ? ((await res.json()) as T) : null;
      } catch {
        return null;
      }
    };
    setNotice("the room has closed; checking what became of the match…");
    const poll = async () => {
      const [match, live] = await Promise.all([
        read<{ status: FollowInput["status"] }>(`/matches/${matchId}`),
        read<{ items: FollowInput["live"] }>("/matches/live"),
      ]);
      const step = followStep({ matchId, leagueId, status: match?.status ?? null, live: live?.items ?? [] });
      if (step.kind === "refresh") {
        setNotice("the match has ended: showing its result");
        router.refresh();
      } else if (step.kind === "follow") {
        setNotice("this match's server went away: following the league's live match");
        router.push(`/matches/${step.matchId}`);
      } else if (Date.now() - started > GIVE_UP_MS) {
        setNotice(
          match?.status === "aborted"
            ? "the match was aborted and no other match of this league is live; reload later"
            : "the match cannot be reached; reload to try again",
        );
      } else {
        if (match?.status === "aborted")
          setNotice("the match was aborted; waiting for the league's next live match…");
        timer.current = setTimeout(() => void poll(), POLL_MS);
      }
    };
    void poll();
  }, [serverPort, matchId, leagueId, router]);
  return { roomGone, notice };
}
