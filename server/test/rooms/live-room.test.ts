import type { Room } from "@colyseus/core";
import { describe, expect, it } from "vitest";
import { announceAndClose } from "../../src/rooms/live-room.js";

describe("announceAndClose", () => {
  it("sends the final state before the ended message, then tells the launcher and closes", async () => {
    const calls: string[] = [];
    const room = {
      broadcastPatch: () => calls.push("patch"),
      broadcast: (type: string, message: unknown) => calls.push(`${type} ${JSON.stringify(message)}`),
      disconnect: async () => {
        calls.push("disconnect");
      },
    } as unknown as Room;
    await announceAndClose(
      room,
      { onEnd: (o: { status: string }) => calls.push(`onEnd ${o.status}`) },
      {
        status: "finished",
      },
    );
    // A spectator reading messages in order has the last step before it hears the match ended.
    expect(calls).toEqual(["patch", 'match.ended {"status":"finished"}', "onEnd finished", "disconnect"]);
  });
});
