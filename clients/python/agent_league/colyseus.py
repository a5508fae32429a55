"""Colyseus 0.16's room framing over a WebSocket, as colyseus.js 0.16 speaks it (Room.mjs, Client.mjs).

Joining: POST /matchmake/joinById/<roomId> with the join options (JSON) reserves a seat:
{sessionId, room: {roomId, processId, publicAddress?}, reconnectionToken?}. Then open
ws://HOST/<processId>/<roomId>?sessionId=<id>[&reconnectionToken=<token>]. Every frame is binary;
its first byte is the protocol code:

  10 JOIN_ROOM   room -> client: len + reconnection token, len + serializer id, handshake bytes;
                 the client acknowledges with the single byte 10.
  11 ERROR       code (msgpack number), message (msgpack string)
  12 LEAVE_ROOM  the room is closing
  13 ROOM_DATA   message type (msgpack string or number), then the body (msgpack), if any
  14/15          room state and patches (@colyseus/schema): a player can ignore them
  17 ROOM_DATA_BYTES  type, then raw bytes

A client sends messages as ROOM_DATA frames: 13 + msgpack(type) + msgpack(body).
Reconnecting within the room's grace period: POST /matchmake/reconnect/<roomId> with
{"reconnectionToken": token} reserves the old seat again; connect as above with that token.
"""
import urllib.parse
from typing import Any, Optional, Tuple

import msgpack
import websockets

JOIN_ROOM, ERROR, LEAVE_ROOM, ROOM_DATA, ROOM_STATE, ROOM_STATE_PATCH, ROOM_DATA_BYTES = 10, 11, 12, 13, 14, 15, 17


class RoomError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"room error {code}: {message}")
        self.code, self.message = code, message


def encode_message(message_type: str, body: Any = None) -> bytes:
    frame = bytes([ROOM_DATA]) + msgpack.packb(message_type)
    return frame if body is None else frame + msgpack.packb(body)


def decode_frame(frame: bytes) -> Tuple[int, Any, Any]:
    """(code, type or None, body or None) of one frame from the room."""
    code = frame[0]
    if code in (ROOM_DATA, ROOM_DATA_BYTES, ERROR):
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(frame[1:])
        first = next(unpacker)
        if code == ROOM_DATA_BYTES:
            return code, first, None  # raw payload not decoded: nothing in the protocol uses it
        try:
            second = next(unpacker)
        except StopIteration:
            second = None
        return code, first, second
    if code == JOIN_ROOM:
        at = 1
        token_length = frame[at]
        token = frame[at + 1: at + 1 + token_length].decode()
        return code, token, None
    return code, None, None


def endpoint(server: str, reservation: dict) -> str:
    """The room's WebSocket address for a seat reservation, as colyseus.js buildEndpoint makes it."""
    http = urllib.parse.urlparse(server)
    scheme = "wss" if http.scheme == "https" else "ws"
    room = reservation["room"]
    host = room.get("publicAddress") or http.netloc
    query = {"sessionId": reservation["sessionId"]}
    if reservation.get("reconnectionToken"):
        query["reconnectionToken"] = reservation["reconnectionToken"]
    return f"{scheme}://{host}{http.path.rstrip('/')}/{room['processId']}/{room['roomId']}?{urllib.parse.urlencode(query)}"


class RoomConnection:
    """One WebSocket to a room: joined (handshake acknowledged), then messages both ways."""

    def __init__(self, socket, room_id: str, token: str):
        self.socket = socket
        self.room_id = room_id
        # What POST /matchmake/reconnect takes back (colyseus.js keeps "<roomId>:<token>").
        self.reconnection_token = token

    @classmethod
    async def open(cls, server: str, reservation: dict, timeout: float = 10.0) -> "RoomConnection":
        socket = await websockets.connect(endpoint(server, reservation), open_timeout=timeout, max_size=2 ** 24)
        try:
            while True:
                code, token, body = decode_frame(await socket.recv())
                if code == JOIN_ROOM:
                    await socket.send(bytes([JOIN_ROOM]))
                    return cls(socket, reservation["room"]["roomId"], token)
                if code == ERROR:
                    raise RoomError(int(token), str(body))
        except BaseException:
            await socket.close()
            raise

    async def send(self, message_type: str, body: Any = None) -> None:
        await self.socket.send(encode_message(message_type, body))

    async def receive(self) -> Tuple[Optional[str], Any]:
        """The next message (type, body); state frames are skipped; (None, None) when the room leaves."""
        while True:
            code, message_type, body = decode_frame(await self.socket.recv())
            if code == ROOM_DATA:
                return message_type, body
            if code == ERROR:
                raise RoomError(int(message_type), str(body))
            if code == LEAVE_ROOM:
                return None, None

    async def close(self) -> None:
        await self.socket.close()
