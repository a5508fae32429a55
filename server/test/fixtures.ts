// Shared by the submission tests: a real checkpoint as `league train` writes it, and multipart bodies.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildMlp, saveCheckpoint, selectBackend } from "@league/agents";

/** The files of a fresh (untrained) checkpoint for `env`, keyed by file name. */
export async function checkpointFiles(options: {
  env: string;
  observationBuilder: string;
  actionParser: string;
  observationSize: number;
  actionCount: number;
  name?: string;
}): Promise<Map<string, Buffer>> {
  const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
  const actor = buildMlp(runtime.tf, {
    inputSize: options.observationSize,
    hidden: [16],
    outputSize: options.actionCount,
    seed: 1,
    name: "actor",
  });
  const critic = buildMlp(runtime.tf, {
    inputSize: options.observationSize,
    hidden: [16],
    outputSize: 1,
    seed: 2,
    name: "critic",
  });
  const dir = path.join(await mkdtemp(path.join(tmpdir(), "league-ckpt-")), "ckpt");
  try {
    await saveCheckpoint(
      runtime,
      dir,
      { actor, critic, observationStats: null, globalStep: 0 },
      {
        name: options.name ?? "fixture",
        env: options.env,
        observationBuilder: options.observationBuilder,
        actionParser: options.actionParser,
        tickSkip: 1,
      },
    );
    const files = new Map<string, Buffer>();
    for (const name of await readdir(dir))
      if (name.includes(".")) files.set(name, await readFile(path.join(dir, name)));
    return files;
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
}

/** A multipart/form-data body, as `curl -F` would send it. */
export function multipart(
  fields: Record<string, string>,
  files: Map<string, Buffer>,
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = "----league-test-boundary";
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  for (const [name, bytes] of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      bytes,
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}
