"use client";

// The live view of a bandit or recommender match: joins the match's Colyseus room as a spectator
// and redraws every seat's cumulative return and regret curves and arm-pull bars as the patches
// arrive (a few times a second: curves need no more to look continuous).
import type { Room } from "colyseus.js";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { DuplicateCharts, type DuplicateSeries } from "./duplicate-charts";
import { useFollowMatch } from "./follow";
import { joinAsSpectator } from "./spectate";

interface NumberList {
  toArray(): number[];
}

interface RoomSeat {
  name: string;
  totalReturn: number;
  totalRegret: number;
  clicks: number;
  last: number;
  counts: NumberList;
  returnCurve: NumberList;
  regretCurve: NumberList;
}

interface RoomState {
  envId: string;
  family: string;
  status: string;
  step: number;
  totalSteps: number;
  episode: number;
  episodes: number;
  episodeStep: number;
  episodeSteps: number;
  stepsPerSecond: number;
  curveSteps: NumberList;
  seats: { toArray(): RoomSeat[] };
}

interface View extends DuplicateSeries {
  status: string;
  step: number;
  totalSteps: number;
  episode: number;
  episodes: number;
  stepsPerSecond: number;
  totals: { totalReturn: number; totalRegret: number; clicks: number; last: number }[];
}

/** Redraws at most this often: SVG charts of a few hundred points each stay cheap at this rate. */
const REDRAW_MS = 150;

function read(state: RoomState): View {
  const seats = state.seats.toArray();
  const steps = state.curveSteps.toArray();
  const family = state.family === "recommender" ? "recommender" : "bandit";
  // The sampled curves, plus the running totals now, so the lines reach the current step.
  const last = steps.at(-1);
  const tail = last === undefined || state.step > last;
  return {
    names: seats.map((s) => s.name),
    steps: tail ? [...steps, state.step] : steps,
    returns: seats.map((s) => [...s.returnCurve.toArray(), ...(tail ? [s.totalReturn] : [])]),
    regrets: seats.map((s) => [...s.regretCurve.toArray(), ...(tail ? [s.totalRegret] : [])]),
    counts: seats.map((s) => s.counts.toArray()),
    family,
    episodeSteps: state.episodeSteps,
    status: state.status,
    step: state.step,
    totalSteps: state.totalSteps,
    episode: state.episode,
    episodes: state.episodes,
    stepsPerSecond: state.stepsPerSecond,
    totals: seats.map((s) => ({
      totalReturn: s.totalReturn,
      totalRegret: s.totalRegret,
      clicks: s.clicks,
      last: s.last,
    })),
  };
}

export function DuplicateLiveView({
  serverPort,
  roomId,
  matchId,
  leagueId,
}: {
  serverPort: string;
  roomId: string;
  matchId: string;
  leagueId: string;
}) {
  const [view, setView] = useState<View | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const router = useRouter();
  const { roomGone, notice } = useFollowMatch(serverPort, matchId, leagueId);

  useEffect(() => {
    let room: Room | null = null;
    let disposed = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let latest: RoomState | null = null;
    const flush = () => {
      timer = null;
      if (latest && !disposed) setView(read(latest));
    };
    (async () => {
      room = await joinAsSpectator(serverPort, roomId, () => disposed);
      if (!room) return;
      room.onStateChange((state: RoomState) => {
        latest = state;
        timer ??= setTimeout(flush, REDRAW_MS);
      });
      room.onMessage("match.ended", (outcome: { status: string; error?: string }) => {
        if (outcome.status !== "finished")
          setProblem(`the match was aborted: ${outcome.error ?? "no reason given"}`);
        // Stored by now: the page re-renders with the result, ratings and stored curves.
        else if (!disposed) router.refresh();
      });
      room.onLeave(() => {
        if (latest) setView(read(latest));
        // Ended or lost (its server died): follow the match to its result, or to the next live one.
        if (!disposed) roomGone();
      });
    })().catch((error: Error) => setProblem(`cannot watch this match: ${error.message}`));
    return () => {
      disposed = true;
      if (timer) clearTimeout(timer);
      void room?.leave();
    };
  }, [serverPort, roomId, router, roomGone]);

  const recommender = view?.family === "recommender";
  return (
    <div className="live-view duplicate-live">
      <div className="live-hud">
        <span className="hud-clock" data-testid="step">
          {view ? `step ${view.step} / ${view.totalSteps}` : "step –"}
        </span>
        {view && (
          <span className="muted">
            episode {view.episode} of {view.episodes} · {view.stepsPerSecond} steps/s · {view.status}
          </span>
        )}
        {!view && !problem && <span className="muted">connecting…</span>}
      </div>
      {view && (
        <>
          <div className="table-wrap">
            <table className="board">
              <thead>
                <tr>
                  <th>Agent</th>
                  <th className="num">Return</th>
                  <th className="num">Regret</th>
                  <th className="num">{recommender ? "Clicks" : "Last arm"}</th>
                </tr>
              </thead>
              <tbody>
                {view.names.map((name, i) => {
                  const t = view.totals[i]!;
                  return (
                    <tr key={name}>
                      <td>{name}</td>
                      <td className="num strong">{t.totalReturn.toFixed(1)}</td>
                      <td className="num">{t.totalRegret.toFixed(1)}</td>
                      <td className="num">{recommender ? t.clicks : t.last < 0 ? "–" : t.last}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <DuplicateCharts {...view} />
        </>
      )}
      {(problem ?? notice) && (
        <div className="notice" data-testid="live-notice">
          {problem ?? notice}
        </div>
      )}
    </div>
  );
}
