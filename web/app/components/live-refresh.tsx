"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { io } from "socket.io-client";

/** Least time between two refreshes: a busy ladder finishes several matches a second. */
const MIN_INTERVAL_MS = 5000;
/** A refresh that has not landed after this long is given up on (the next one may start). */
const GIVE_UP_MS = 30_000;

/**
 * Re-renders the page (its server components fetch afresh: one request) when the live feed
 * reports a change that concerns it — a finished match or a rating change, in one league or in
 * any — at most once every MIN_INTERVAL_MS, never while the previous refresh is still loading, and
 * not while the tab is hidden (it catches up when shown again).
 */
export function LiveRefresh({
  serverPort,
  league,
  events,
  renderedAt,
}: {
  serverPort: string;
  league?: string;
  events: string[];
  /**
   * When the server rendered the page (Date.now() there): a new value means the last refresh has
   * landed. Until then no other starts — a second router.refresh() would abort the first, and on a
   * slow server every refresh would be aborted by the next.
   */
  renderedAt: number;
}) {
  const router = useRouter();
  const [connected, setConnected] = useState(false);
  const last = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Read by the feed's handlers without re-subscribing.
  const busySince = useRef(0);
  const missed = useRef(false);

  // Each refresh hands a new (equal) events array: subscribe by its contents, not its identity,
  // or every refresh would reconnect the feed.
  const eventNames = events.join(",");

  // A new render from the server: the refresh in flight has landed.
  useEffect(() => {
    if (renderedAt) busySince.current = 0;
  }, [renderedAt]);

  useEffect(() => {
    // The API is on the same host as the page, on the server's port.
    const socket = io(`${window.location.protocol}//${window.location.hostname}:${serverPort}/feed`, {
      transports: ["websocket"],
      reconnectionDelayMax: 10_000,
    });
    socket.on("connect", () => {
      setConnected(true);
      if (league) socket.emit("subscribe", { league });
    });
    socket.on("disconnect", () => setConnected(false));
    const refresh = () => {
      if (document.hidden) {
        missed.current = true;
        return;
      }
      if (pending.current) return;
      const wait = Math.max(0, MIN_INTERVAL_MS - (Date.now() - last.current));
      pending.current = setTimeout(() => {
        pending.current = null;
        // Still loading the last one: look again in a second.
        if (busySince.current && Date.now() - busySince.current < GIVE_UP_MS) {
          pending.current = setTimeout(() => {
            pending.current = null;
            refresh();
          }, 1000);
          return;
        }
        last.current = Date.now();
        busySince.current = Date.now();
        router.refresh();
      }, wait);
    };
    const shown = () => {
      if (!document.hidden && missed.current) {
        missed.current = false;
        refresh();
      }
    };
    for (const event of eventNames.split(",")) socket.on(event, refresh);
    document.addEventListener("visibilitychange", shown);
    return () => {
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
      document.removeEventListener("visibilitychange", shown);
      socket.disconnect();
    };
  }, [serverPort, league, eventNames, router]);

  return (
    <span
      className={`live-dot ${connected ? "on" : "off"}`}
      title={connected ? "updating live" : "live updates unavailable"}
    >
      {connected ? "live" : "offline"}
    </span>
  );
}
