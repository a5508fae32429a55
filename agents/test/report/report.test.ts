import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MetricsLog } from "../../src/report/metrics-log.js";
import { formatDuration, ProgressLine } from "../../src/report/progress.js";
import { lineChartSvg, niceTicks } from "../../src/report/svg-chart.js";

describe("progress line", () => {
  it("shows done/total, rate and ETA from a clock, and prints periodically when not on a terminal", () => {
    let t = 0;
    const written: string[] = [];
    const progress = new ProgressLine({
      label: "train",
      total: 1000,
      unit: "steps",
      stream: { write: (s: string) => written.push(s), isTTY: false },
      everyMs: 1000,
      now: () => t,
    });
    progress.update(0);
    t = 2000;
    progress.update(200, { return: 1.5 });
    t = 2500;
    progress.update(250); // within everyMs of the last line: not printed
    expect(written).toHaveLength(2);
    expect(written[1]).toMatch(
      /train .* 20\.0% {2}200\/1000 steps {2}100 steps\/s {2}ETA 0:08 {2}return 1\.500\n$/,
    );
    progress.finish(1000);
    expect(written.at(-1)).toMatch(/100\.0%/);
  });

  it("takes its bar and ETA from whichever of the step total and a time budget runs out first", () => {
    let t = 0;
    const progress = new ProgressLine({
      label: "train",
      total: 1000,
      unit: "steps",
      maxSeconds: 10,
      now: () => t,
    });
    t = 2000;
    // 250 steps/s: the steps run out in 2 s, before the budget's 8 s.
    expect(progress.render(500)).toMatch(/50\.0% {2}500\/1000 steps {2}250 steps\/s {2}ETA 0:02$/);
    t = 8000;
    // 25 steps/s: 32 s of steps left, 2 s of budget; by the clock 80% done, by steps 20%.
    expect(progress.render(200)).toMatch(/80\.0% {2}200\/1000 steps {2}25 steps\/s {2}ETA 0:02$/);
  });

  it("formats durations", () => {
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(Number.NaN)).toBe("--:--");
  });
});

describe("SVG line chart", () => {
  it("draws each series with a legend, escaped text and nice ticks", () => {
    const svg = lineChartSvg(
      [
        {
          name: "episodic_return",
          points: [
            [0, 1],
            [100, 3],
            [200, 2],
          ],
        },
        {
          name: "win rate <vs pool>",
          points: [
            [0, 0.1],
            [200, Number.NaN],
          ],
        },
      ],
      { title: "Run & results", xLabel: "steps", yLabel: "return" },
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("Run &amp; results");
    expect(svg).toContain("win rate &lt;vs pool&gt;");
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).not.toContain("NaN");
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97)).toEqual([20, 40, 60, 80]);
  });
});

describe("metrics log", () => {
  it("appends JSON lines and names the file and line of a bad one", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "league-metrics-"));
    try {
      const log = new MetricsLog(path.join(dir, "run", "metrics.jsonl"));
      await log.append({ global_step: 1, "charts/SPS": 10 });
      await log.append({ global_step: 2, "charts/SPS": 12 });
      expect(await MetricsLog.read(log.file)).toEqual([
        { global_step: 1, "charts/SPS": 10 },
        { global_step: 2, "charts/SPS": 12 },
      ]);
      await writeFile(log.file, '{"a":1}\n{oops\n');
      await expect(MetricsLog.read(log.file)).rejects.toThrow(/metrics\.jsonl:2: not a JSON object/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
