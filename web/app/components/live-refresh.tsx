"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { io } from "socket.io-client";

/**
 * Re-renders the page (its server components fetch afresh) when the live feed reports a change
 * that concerns it: a finished match or a rating change, in one league or in any.
 */
export function LiveRefresh({
  serverPort,
  league,
  events,
}: {
  serverPort: string;
  league?: string;
  events: string[];
}) {
  const router = useRouter();
  const [connected, setConnected] = useState(false);
  const last = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

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
    // At most one refresh every 2 s, however busy the ladder is.
    const refresh = () => {
      if (pending.current) return;
      const wait = Math.max(0, 2000 - (Date.now() - last.current));
      pending.current = setTimeout(() => {
        pending.current = null;
        last.current = Date.now();
        router.refresh();
      }, wait);
    };
    for (const event of events) socket.on(event, refresh);
    return () => {
      if (pending.current) clearTimeout(pending.current);
      socket.disconnect();
    };
  }, [serverPort, league, events, router]);

  return (
    <span
      className={`live-dot ${connected ? "on" : "off"}`}
      title={connected ? "updating live" : "live updates unavailable"}
    >
      {connected ? "live" : "offline"}
    </span>
  );
}
