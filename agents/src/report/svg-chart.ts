// Line charts as standalone SVG text: training curves, rating histories. No browser, no canvas.

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const PALETTE = ["#3d8bfd", "#ff8a3d", "#2bb673", "#b05cff", "#ff5d6c", "#e0c341"];

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );

/** "Nice" tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function label(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

export function lineChartSvg(series: readonly Series[], options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const m = { top: 36, right: 150, bottom: 44, left: 64 };
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xs = finite.map((p) => p[0]);
  const ys = finite.map((p) => p[1]);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs) : 1;
  let yMin = ys.length ? Math.min(...ys) : 0;
  let yMax = ys.length ? Math.max(...ys) : 1;
  if (yMin === yMax) {
    yMin -= 1;
    yMax += 1;
  }
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const sx = (x: number) => m.left + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * plotW : plotW / 2);
  const sy = (y: number) => m.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="22" font-size="15" font-weight="600" fill="#111">${escapeXml(options.title)}</text>`,
  ];
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e4e7ee"/>`,
      `<text x="${m.left - 8}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${label(t)}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(
      `<text x="${sx(t).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle" fill="#555">${label(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#9aa3b5"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 8}" text-anchor="middle" fill="#333">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 0) {
      const d = pts
        .map(([x, y], k) => `${k === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const ly = m.top + 10 + i * 18;
    parts.push(
      `<line x1="${m.left + plotW + 12}" x2="${m.left + plotW + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${m.left + plotW + 36}" y="${ly + 4}" fill="#222">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
