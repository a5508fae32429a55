// `league connect`: plays a checkpoint as a remote agent in a live car-soccer match, over the
// protocol in server/README.md ("Remote agents"), through RemoteAgentClient.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { getEnvSpec } from "@league/envs";
import { loadCarPolicy } from "../car-policy.js";
import { CheckpointError } from "../ppo/checkpoint.js";
import { RemoteAgentClient, RemoteAgentError } from "../remote/client.js";
import { UsageError } from "./players.js";

export const CONNECT_HELP = `league connect <checkpoint> --server URL --key KEY [--agent NAME] [--version ID]
               [--opponent BOT] [--side blue|orange] [--seconds N]

Plays a live car-soccer match as a remote agent: registers the checkpoint's env, observation
builder and action parser as a new remote version of agent NAME (default: the manifest's name),
or plays the existing remote version --version ID; asks the server for a live match against the
built-in bot BOT (default ball-chaser) lasting N seconds (default 120); then answers every
observation the room sends with the checkpoint's greedy action. Prints the outcome and how many
answers the room refused.`;

function text(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export async function connectCommand(args: string[], values: Record<string, unknown>): Promise<void> {
  const [dir] = args;
  const server = text(values, "server");
  const key = text(values, "key") ?? process.env.LEAGUE_KEY;
  if (!dir)
    throw new UsageError(
      "connect needs a checkpoint folder: league connect <checkpoint> --server URL --key KEY",
    );
  if (!server) throw new UsageError("connect needs --server URL (e.g. http://localhost:2567)");
  if (!key) throw new UsageError("connect needs --key KEY (or LEAGUE_KEY in the environment)");
  const side = text(values, "side") ?? "blue";
  if (side !== "blue" && side !== "orange")
    throw new UsageError(`--side must be blue or orange, got "${side}"`);
  const secondsText = text(values, "seconds");
  const seconds = secondsText === undefined ? undefined : Number(secondsText);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0))
    throw new UsageError(`--seconds must be a positive number, got "${secondsText}"`);

  let manifest: { name: string; env: string; observationBuilder: string; actionParser: string };
  try {
    manifest = JSON.parse(await readFile(path.join(dir, "agent.json"), "utf8"));
  } catch (error) {
    throw new UsageError(`${dir} is not a checkpoint folder: ${(error as Error).message}`);
  }
  let envFamily: string;
  try {
    envFamily = getEnvSpec(manifest.env).family;
  } catch (error) {
    throw new UsageError(`${dir}: ${(error as Error).message}`);
  }
  if (envFamily !== "car-soccer")
    throw new UsageError(`${dir} plays ${manifest.env}; remote agents play car soccer`);
  // The room's deadline is what counts: a late answer is counted there, not cut short here.
  let policy: Awaited<ReturnType<typeof loadCarPolicy>>;
  try {
    policy = await loadCarPolicy(dir);
  } catch (error) {
    if (error instanceof CheckpointError) throw new UsageError(error.message);
    throw error;
  }
  // The first inferences compile the backend's kernels; pay for that now, not with late answers.
  const warmUp = new Float32Array(policy.observationSize);
  for (let i = 0; i < 3; i++) policy.decide(warmUp);

  const client = new RemoteAgentClient({ server, apiKey: key });
  try {
    // The agent plays under the name it was given (--agent), else the checkpoint's.
    const agentName = text(values, "agent") ?? manifest.name;
    let versionId = text(values, "version");
    if (!versionId) {
      const registered = await client.register({
        name: agentName,
        env: manifest.env,
        observationBuilder: manifest.observationBuilder,
        actionParser: manifest.actionParser,
      });
      versionId = registered.versionId;
      console.log(`registered remote version ${registered.version} of ${agentName} (${versionId})`);
    }
    const match = await client.requestMatch({
      versionId,
      opponent: text(values, "opponent"),
      side,
      durationSeconds: seconds,
    });
    console.log(
      `match ${match.matchId}: ${agentName} joins room ${match.roomId} (seat ${match.seat}, ${Math.round(match.deadlineMs)} ms per answer)`,
    );
    let refused = 0;
    let answered = 0;
    let mismatch = "";
    const outcome = await client.play(
      match.roomId,
      versionId,
      (observation) => {
        if (mismatch) throw new Error(mismatch);
        answered++;
        const action = policy.decide(observation);
        if (!action) throw new Error("the model gave no answer");
        return Array.from(action);
      },
      {
        onSeat: (seat) => {
          // The room builds observations with the version's builder; the checkpoint must read them.
          const reads = policy.observationSize;
          if (seat.observationSize !== reads)
            mismatch = `the room sends ${seat.observationSize} observation values (${seat.observationBuilder}); ${dir} reads ${reads}`;
        },
        onRefused: (refusal) => {
          refused++;
          console.error(`answer to step ${refusal.step} refused: ${refusal.reason}`);
        },
      },
    );
    const forfeit = outcome.forfeit
      ? `; team ${outcome.forfeit.team} forfeited: ${outcome.forfeit.reason}`
      : "";
    console.log(
      `match ${outcome.matchId} ${outcome.status}: blue ${outcome.score.blue} – ${outcome.score.orange} orange; ${answered} observations answered, ${refused} answers refused${forfeit}`,
    );
  } catch (error) {
    if (error instanceof RemoteAgentError) throw new Error(error.message);
    throw error;
  }
}
