// Reward analysis drawn as standalone SVG: each component's share of the reward and its
// correlation with goals side by side; a run's shaped return beside its outcome.
import { lineChartSvg } from "../report/svg-chart.js";
import type { HackingVerdict, RewardStats, RunPoint } from "./analysis.js";

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );

const BLUE = "#3d8bfd";
const ORANGE = "#ff8a3d";
const GREEN = "#2bb673";
const RED = "#ff5d6c";

/** Two bar panels per component: share of |reward| (0..1) and correlation with goals (−1..1). */
export function rewardStatsSvg(stats: RewardStats, title: string): string {
  const rows = [
    ...stats.components.map((c) => ({
      name: c.name,
      share: c.shareOfMagnitude,
      corr: c.correlationWithOutcome.perEpisode,
    })),
    { name: "total", share: null as number | null, corr: stats.total.correlationWithOutcome.perEpisode },
  ];
  const rowH = 26;
  const labelW = 300;
  const panelW = 220;
  const gap = 40;
  const top = 64;
  const width = labelW + panelW * 2 + gap + 60;
  const height = top + rows.length * rowH + 40;
  const shareX = labelW;
  const corrX = labelW + panelW + gap;
  const corrMid = corrX + panelW / 2;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#0f1629"/>`,
    `<text x="16" y="24" fill="#e8ecf5" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    `<text x="${shareX}" y="52" fill="#9aa5bd">share of |reward|</text>`,
    `<text x="${corrX}" y="52" fill="#9aa5bd">correlation with goals (per episode)</text>`,
    `<line x1="${corrMid}" y1="${top - 6}" x2="${corrMid}" y2="${top + rows.length * rowH}" stroke="#3a4562"/>`,
  ];
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const label = row.name.length > 44 ? `${row.name.slice(0, 43)}…` : row.name;
    parts.push(`<text x="16" y="${y + 16}" fill="#e8ecf5">${escapeXml(label)}</text>`);
    if (row.share !== null) {
      parts.push(
        `<rect x="${shareX}" y="${y + 5}" width="${(row.share * panelW).toFixed(1)}" height="${rowH - 10}" fill="${BLUE}"/>`,
        `<text x="${shareX + row.share * panelW + 4}" y="${y + 16}" fill="#9aa5bd">${(row.share * 100).toFixed(1)}%</text>`,
      );
    }
    if (row.corr === null) {
      parts.push(`<text x="${corrMid + 4}" y="${y + 16}" fill="#9aa5bd">undefined (constant)</text>`);
    } else {
      const w = (Math.abs(row.corr) * panelW) / 2;
      const x = row.corr >= 0 ? corrMid : corrMid - w;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowH - 10}" fill="${row.corr >= 0 ? GREEN : RED}"/>`,
        `<text x="${corrX + panelW + 6}" y="${y + 16}" fill="#9aa5bd">${row.corr.toFixed(2)}</text>`,
      );
    }
  });
  parts.push(
    `<text x="16" y="${height - 14}" fill="#9aa5bd">${stats.episodes} episodes, ${stats.steps} steps</text>`,
    "</svg>",
  );
  return parts.join("\n");
}

/** A run's shaped return and outcome over training, each standardised so both trends show on one axis. */
export function runTrendSvg(points: readonly RunPoint[], verdict: HackingVerdict, title: string): string {
  const z = (values: number[]) => {
    const mean = values.reduce((s, x) => s + x, 0) / (values.length || 1);
    const sd = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length || 1)) || 1;
    return values.map((v) => (v - mean) / sd);
  };
  const shaped = z(points.map((p) => p.shaped));
  const outcome = z(points.map((p) => p.outcome));
  return lineChartSvg(
    [
      { name: "shaped return", points: points.map((p, i) => [p.step, shaped[i]!] as const), color: BLUE },
      { name: "outcome", points: points.map((p, i) => [p.step, outcome[i]!] as const), color: ORANGE },
    ],
    {
      title: `${title}${verdict.flagged ? " — possible reward hacking" : ""}`,
      xLabel: "global step",
      yLabel: "standardised",
    },
  );
}
