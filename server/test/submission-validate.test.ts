import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildMlp, saveCheckpoint, selectBackend } from "@league/agents";
import { describePolicyIO } from "@league/envs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MAX_ARTIFACT_BYTES,
  type PolicyIO,
  type PolicyIOResolver,
  SubmissionError,
  unpackArtifact,
  validateSubmission,
} from "../src/submissions/validate.js";

const IO: PolicyIO = { observationSize: 6, actionCount: 4 };
const resolve = () => IO;
let dir: string;
let files: Map<string, Uint8Array>;

beforeAll(async () => {
  const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
  const actor = buildMlp(runtime.tf, { inputSize: 6, hidden: [8], outputSize: 4, seed: 1, name: "actor" });
  const critic = buildMlp(runtime.tf, { inputSize: 6, hidden: [8], outputSize: 1, seed: 2, name: "critic" });
  dir = path.join(await mkdtemp(path.join(tmpdir(), "league-submit-")), "ckpt");
  await saveCheckpoint(
    runtime,
    dir,
    { actor, critic, observationStats: null, globalStep: 0 },
    {
      name: "tiny",
      env: "bandit-bernoulli-10",
      observationBuilder: "default",
      actionParser: "discrete",
      tickSkip: 1,
    },
  );
  files = new Map();
  for (const name of await readdir(dir))
    if (name.includes(".")) files.set(name, new Uint8Array(await readFile(path.join(dir, name))));
});
afterAll(() => rm(path.dirname(dir), { recursive: true, force: true }));

const withFile = (name: string, bytes: Uint8Array | string) =>
  new Map([...files, [name, typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes]]);
const json = (name: string) => JSON.parse(Buffer.from(files.get(name)!).toString("utf8"));
const problem = (candidate: Map<string, Uint8Array>, resolver: PolicyIOResolver = resolve) => {
  try {
    validateSubmission(candidate, resolver);
  } catch (error) {
    expect(error).toBeInstanceOf(SubmissionError);
    return { code: (error as SubmissionError).code, message: (error as Error).message };
  }
  throw new Error("expected the submission to be refused");
};

describe("submission validation", () => {
  it("accepts a checkpoint exactly as the trainer writes it, and packs it for storage", () => {
    expect([...files.keys()].sort()).toEqual(["agent.json", "model.json", "weights.bin"]);
    const result = validateSubmission(files, resolve);
    expect(result.manifest).toMatchObject({ name: "tiny", observationSize: 6, actionCount: 4 });
    expect(result.layers).toEqual(["Dense", "Dense"]);
    expect(result.parameters).toBe(6 * 8 + 8 + 8 * 4 + 4);
    const unpacked = unpackArtifact(result.artifact);
    expect(Buffer.from(unpacked.weights).equals(Buffer.from(files.get("weights.bin")!))).toBe(true);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses missing and unreadable files", () => {
    const noManifest = new Map(files);
    noManifest.delete("agent.json");
    expect(problem(noManifest)).toEqual({ code: "missing_file", message: "agent.json is missing" });
    expect(problem(withFile("model.json", "{ not json"))).toMatchObject({
      code: "invalid_json",
      message: expect.stringMatching(/^model\.json is not valid JSON/),
    });
    expect(problem(withFile("../etc/passwd", "x")).code).toBe("invalid_file_name");
  });

  it("refuses a JSON bomb nested too deep (valid JSON, within the size limit), naming the file", () => {
    // Half a million levels hidden in a field the schema passes through: JSON.parse takes it, but
    // storing it would overflow the stack.
    const bomb = `${"[".repeat(500_000)}${"]".repeat(500_000)}`;
    const model = JSON.stringify(json("model.json")).replace(
      '"modelTopology":{',
      `"modelTopology":{"extra":${bomb},`,
    );
    expect(problem(withFile("model.json", model))).toEqual({
      code: "invalid_json",
      message: "model.json nests arrays and objects 500002 levels deep; the limit is 100",
    });
    // Brackets inside strings (escaped quotes included) are text, not nesting.
    const noted = { ...json("model.json") };
    noted.modelTopology = { ...noted.modelTopology, note: `${"[{".repeat(200)}"\\${"[".repeat(200)}` };
    expect(validateSubmission(withFile("model.json", JSON.stringify(noted)), resolve).layers).toEqual([
      "Dense",
      "Dense",
    ]);
  });

  it("names the bad manifest field", () => {
    const manifest = { ...json("agent.json"), tickSkip: 0 };
    expect(problem(withFile("agent.json", JSON.stringify(manifest)))).toMatchObject({
      code: "invalid_manifest",
      message: expect.stringMatching(/^agent\.json: tickSkip: /),
    });
  });

  it("refuses parts the environment does not know, and shapes that do not match it", () => {
    const unknownParts = () => {
      throw new Error('unknown observation builder "x-ray"');
    };
    expect(problem(files, unknownParts)).toMatchObject({
      code: "unknown_env_parts",
      message: 'agent.json: unknown observation builder "x-ray"',
    });
    expect(problem(files, () => ({ observationSize: 7, actionCount: 4 }))).toMatchObject({
      code: "shape_mismatch",
    });
    const manifest = { ...json("agent.json"), actionCount: 5 };
    expect(
      problem(withFile("agent.json", JSON.stringify(manifest)), () => ({
        observationSize: 6,
        actionCount: 5,
      })),
    ).toMatchObject({
      code: "shape_mismatch",
      message: expect.stringMatching(/the model outputs 4 values; it must output 5/),
    });
  });

  it("accepts a history-builder bandit checkpoint for the Bernoulli bandits only, sized 2K + 1", async () => {
    const runtime = await selectBackend({ prefer: ["wasm", "cpu"] });
    const actor = buildMlp(runtime.tf, {
      inputSize: 21,
      hidden: [8],
      outputSize: 10,
      seed: 1,
      name: "actor",
    });
    const critic = buildMlp(runtime.tf, {
      inputSize: 21,
      hidden: [8],
      outputSize: 1,
      seed: 2,
      name: "critic",
    });
    const historyDir = path.join(path.dirname(dir), "history");
    await saveCheckpoint(
      runtime,
      historyDir,
      { actor, critic, observationStats: null, globalStep: 0 },
      {
        name: "history",
        env: "bandit-bernoulli-10",
        observationBuilder: "history",
        actionParser: "discrete",
        tickSkip: 1,
        actionSelection: "sample",
      },
    );
    const history = new Map<string, Uint8Array>();
    for (const name of ["agent.json", "model.json", "weights.bin"])
      history.set(name, new Uint8Array(await readFile(path.join(historyDir, name))));
    const league = (m: { env: string; observationBuilder: string; actionParser: string }) =>
      describePolicyIO(m.env, m.observationBuilder, m.actionParser);
    const accepted = validateSubmission(history, league);
    expect(accepted.manifest).toMatchObject({
      observationBuilder: "history",
      observationSize: 21,
      actionSelection: "sample",
    });
    const manifest = JSON.parse(Buffer.from(history.get("agent.json")!).toString("utf8"));
    const edited = (change: Record<string, unknown>) =>
      new Map([
        ...history,
        ["agent.json", new TextEncoder().encode(JSON.stringify({ ...manifest, ...change }))],
      ]);
    expect(problem(edited({ env: "bandit-gaussian-10" }), league)).toMatchObject({
      code: "unknown_env_parts",
      message: expect.stringMatching(
        /unknown observation builder "history" for bandit-gaussian-10; known: default/,
      ),
    });
    // The model takes 21 numbers; the default observation has 12.
    expect(problem(edited({ observationBuilder: "default" }), league).code).toBe("shape_mismatch");
    expect(problem(edited({ actionSelection: "softmax" }), league).code).toBe("invalid_manifest");
    expect(problem(edited({ actionParser: "lookup" }), league)).toMatchObject({
      code: "invalid_manifest",
      message: expect.stringMatching(/actionSelection "sample" needs the bandits' "discrete" action parser/),
    });
  });

  it("refuses layer types the league does not run, such as Lambda", () => {
    const model = json("model.json");
    model.modelTopology.config.layers[1].class_name = "Lambda";
    expect(problem(withFile("model.json", JSON.stringify(model)))).toMatchObject({
      code: "unknown_layer",
      message: "model.json uses layer types the league does not run: Lambda",
    });
  });

  it("refuses weights that do not match the declared shapes or are not finite", () => {
    const weights = files.get("weights.bin")!;
    expect(problem(withFile("weights.bin", weights.subarray(0, weights.byteLength - 4)))).toMatchObject({
      code: "weights_mismatch",
      message: `the weight files hold ${weights.byteLength - 4} bytes; the shapes in model.json need ${weights.byteLength}`,
    });
    const nan = new Uint8Array(weights);
    new DataView(nan.buffer).setFloat32(8, Number.NaN, true);
    expect(problem(withFile("weights.bin", nan)).code).toBe("weights_not_finite");
  });

  it("refuses a submission over the size limit before reading it", () => {
    expect(problem(withFile("extra.bin", new Uint8Array(MAX_ARTIFACT_BYTES + 1)))).toMatchObject({
      code: "too_large",
    });
  });
});
