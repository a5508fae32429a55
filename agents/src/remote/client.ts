// A small client for the league's remote-agent protocol (server/README.md, "Remote agents"):
// register a remote agent, ask for a live match, join its room with the API key and answer every
// observation with an action. Any language can speak the protocol; this is the TypeScript one.
import { Client, type Room } from "colyseus.js";
import {
  type ActionMessage,
  type ActionRefusedMessage,
  type MatchEndedMessage,
  type ObservationMessage,
  REMOTE_MESSAGES,
  type SeatMessage,
} from "./protocol.js";

/** Maps an observation to the raw action for the agent's parser (lookup: [index]). */
export type RemotePolicy = (
  observation: Float32Array,
  info: ObservationMessage,
) => number[] | Promise<number[]>;

export interface RemoteMatch {
  matchId: string;
  roomId: string;
  room: string;
  leagueId: string;
  seat: number;
  deadlineMs: number;
  graceSeconds: number;
}

export class RemoteAgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteAgentError";
  }
}

export interface RemoteAgentClientOptions {
  /** The league server, e.g. http://127.0.0.1:2567 */
  server: string;
  apiKey: string;
}

export class RemoteAgentClient {
  private readonly server: string;

  constructor(private readonly options: RemoteAgentClientOptions) {
    this.server = options.server.replace(/\/+$/, "");
  }

  private async post<T>(route: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.server}${route}`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new RemoteAgentError(`cannot reach ${this.server}: ${(error as Error).message}`);
    }
    const json = (await response.json().catch(() => null)) as {
      error?: { code: string; message: string };
    } | null;
    if (!response.ok)
      throw new RemoteAgentError(
        `${route} answered ${response.status}${json?.error ? ` (${json.error.code}): ${json.error.message}` : ""}`,
      );
    return json as T;
  }

  /** Registers a new version of a remote agent; returns its version id. */
  register(agent: {
    name: string;
    env: string;
    observationBuilder?: string;
    actionParser?: string;
    description?: string;
  }): Promise<{ agentId: string; versionId: string; version: number; env: string }> {
    return this.post("/api/v1/agents/remote", agent);
  }

  /** Starts a live match in which `versionId` plays one seat against built-in bots. */
  requestMatch(request: {
    versionId: string;
    opponent?: string;
    side?: "blue" | "orange";
    durationSeconds?: number;
    remoteGraceSeconds?: number;
  }): Promise<RemoteMatch> {
    return this.post("/api/v1/remote/matches", request);
  }

  /**
   * Joins the match room as `versionId`'s player and answers every observation with
   * `policy`; resolves with the stored outcome when the match ends.
   */
  async play(
    roomId: string,
    versionId: string,
    policy: RemotePolicy,
    hooks: {
      onSeat?: (seat: SeatMessage) => void;
      onRefused?: (refusal: ActionRefusedMessage) => void;
      /** Called with the joined room (again after each reconnection), e.g. to leave it early. */
      onJoin?: (room: Room) => void;
      /**
       * Rejoin after a dropped connection, trying until the seat's grace period runs out
       * (default true). Without it, a drop ends `play` and, past the grace period, forfeits.
       */
      reconnect?: boolean;
    } = {},
  ): Promise<MatchEndedMessage> {
    const client = new Client(this.server.replace(/^http/, "ws"));
    let room: Room;
    try {
      room = await client.joinById(roomId, { apiKey: this.options.apiKey, versionId });
    } catch (error) {
      throw new RemoteAgentError(`could not join room ${roomId}: ${(error as Error).message}`);
    }
    return new Promise<MatchEndedMessage>((resolve, reject) => {
      let ended: MatchEndedMessage | null = null;
      let failed = false;
      let graceSeconds = 10;
      const fail = (error: RemoteAgentError) => {
        failed = true;
        reject(error);
      };
      const wire = (joined: Room) => {
        room = joined;
        hooks.onJoin?.(joined);
        joined.onMessage(REMOTE_MESSAGES.seat, (seat: SeatMessage) => {
          graceSeconds = seat.graceSeconds;
          hooks.onSeat?.(seat);
        });
        joined.onMessage(REMOTE_MESSAGES.actionRefused, (refusal: ActionRefusedMessage) =>
          hooks.onRefused?.(refusal),
        );
        joined.onMessage(REMOTE_MESSAGES.observation, async (message: ObservationMessage) => {
          try {
            const action = await policy(Float32Array.from(message.observation), message);
            // After a reconnection the answer goes to the room as it is now (it is late by then).
            if (room.connection.isOpen) {
              const answer: ActionMessage = { step: message.step, action };
              room.send(REMOTE_MESSAGES.action, answer);
            }
          } catch (error) {
            fail(
              new RemoteAgentError(`the policy failed at step ${message.step}: ${(error as Error).message}`),
            );
            void room.leave();
          }
        });
        joined.onMessage(REMOTE_MESSAGES.matchEnded, (outcome: MatchEndedMessage) => {
          ended = outcome;
        });
        joined.onLeave(async (code) => {
          if (ended) return resolve(ended);
          // 4000 is Colyseus's code for a consented leave: ours, or the room closing.
          if (failed || code === 4000 || hooks.reconnect === false)
            return fail(new RemoteAgentError(`left room ${roomId} before the match ended (code ${code})`));
          const until = Date.now() + graceSeconds * 1000;
          let last = "";
          while (Date.now() < until) {
            try {
              wire(await client.reconnect(joined.reconnectionToken));
              return;
            } catch (error) {
              last = (error as Error).message;
              await new Promise((wake) => setTimeout(wake, 200));
            }
          }
          fail(
            new RemoteAgentError(
              `lost room ${roomId} (code ${code}) and could not rejoin within ${graceSeconds} s: ${last}`,
            ),
          );
        });
      };
      wire(room);
    });
  }
}
