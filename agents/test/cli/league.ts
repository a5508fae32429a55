import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";

// The built CLI, as `npx league` runs it (tests run after the build).
const CLI = path.resolve(import.meta.dirname, "../../dist/cli/main.js");

export function league(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * `league train` on the smallest car-soccer run that learns anything (1v1 self-play, 256 steps,
 * checkpoint name "tiny-car"), its config written to `config`, the run to `out`.
 */
export async function trainTinyCar(
  config: string,
  out: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  await writeFile(
    config,
    JSON.stringify({
      env: "car-soccer-1v1",
      out,
      name: "tiny-car",
      totalSteps: 256,
      numEnvs: 4,
      episodeSeconds: 3,
      ppo: { numSteps: 32, hidden: [8], numMinibatches: 2, updateEpochs: 1 },
    }),
  );
  return league(["train", config]);
}
