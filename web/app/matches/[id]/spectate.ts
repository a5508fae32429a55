// How a live view joins its match's room: as a spectator, over a WebSocket to the API's server.
import { Client, type Room } from "colyseus.js";

/**
 * Joins room `roomId` on the API's server at `serverPort` (wss under https, else ws). Null when
 * the view was `disposed` while joining: the room is left again at once.
 */
export async function joinAsSpectator(
  serverPort: string,
  roomId: string,
  disposed: () => boolean,
): Promise<Room | null> {
  const protocol = window.location.protocol === "https:" ? "wss" : "ws";
  const client = new Client(`${protocol}://${window.location.hostname}:${serverPort}`);
  const room = await client.joinById(roomId);
  if (disposed()) {
    void room.leave();
    return null;
  }
  return room;
}
