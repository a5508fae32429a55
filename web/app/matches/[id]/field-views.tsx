"use client";

// The car-soccer live view and replay player, split off: three.js is most of a match page's weight,
// so only a page that shows a field downloads it (bench/web measures the page weights).
import dynamic from "next/dynamic";

const loading = () => <div className="notice">Loading the 3D field…</div>;

export const LiveView = dynamic(() => import("./live-view").then((m) => m.LiveView), {
  ssr: false,
  loading,
});

export const ReplayPlayer = dynamic(() => import("./replay-player").then((m) => m.ReplayPlayer), {
  ssr: false,
  loading,
});
