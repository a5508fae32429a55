"""Plays one live match as a remote agent (server/README.md, "Remote agents"): join the room with
the API key, answer every `observation` with an `action` for the same step before the next
decision, come back within the grace period if the connection drops, and return `match.ended`."""
import asyncio
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import websockets

from .api import LeagueAPI, LeagueError
from .colyseus import RoomConnection, RoomError

# Maps an observation (observationSize floats) and the observation message to the raw action for
# the agent's parser: [index] for "lookup", 8 numbers in [-1, 1] for "continuous".
Policy = Callable[[List[float], dict], Sequence[float]]


@dataclass
class MatchOutcome:
    """The room's `match.ended` message, and what this client saw."""
    ended: dict
    seat: dict
    observations: int = 0
    answers: int = 0
    refused: List[dict] = field(default_factory=list)
    reconnections: int = 0
    slowest_answer_ms: float = 0.0


class _Dropped(Exception):
    """The connection closed before `match.ended`."""


async def _serve(connection: RoomConnection, policy: Policy, outcome: MatchOutcome,
                 on_seat: Optional[Callable[[dict], None]], drop_after: Optional[int]) -> dict:
    """Answers observations until `match.ended` (returned); raises _Dropped if the socket closes."""
    while True:
        try:
            message_type, body = await connection.receive()
        except websockets.ConnectionClosed as closed:
            raise _Dropped(str(closed)) from None
        if message_type is None:
            raise _Dropped("the room left")
        if message_type == "seat":
            outcome.seat = body
            if on_seat:
                on_seat(body)
        elif message_type == "observation":
            outcome.observations += 1
            started = time.perf_counter()
            action = [float(x) for x in policy(body["observation"], body)]
            await connection.send("action", {"step": body["step"], "action": action})
            outcome.answers += 1
            outcome.slowest_answer_ms = max(outcome.slowest_answer_ms, (time.perf_counter() - started) * 1000)
            if drop_after is not None and outcome.observations == drop_after and outcome.reconnections == 0:
                # For testing the way back: lose the connection once, abruptly, as a network would.
                connection.socket.transport.abort()
        elif message_type == "action.refused":
            outcome.refused.append(body)
        elif message_type == "match.ended":
            return body


async def play_match_async(api: LeagueAPI, room_id: str, version_id: str, policy: Policy,
                           on_seat: Optional[Callable[[dict], None]] = None,
                           drop_after: Optional[int] = None) -> MatchOutcome:
    if not api.api_key:
        raise LeagueError(0, "no_api_key", "joining as a player needs the owner's API key")
    reservation = api.matchmake("joinById", room_id, {"apiKey": api.api_key, "versionId": version_id})
    try:
        connection = await RoomConnection.open(api.server, reservation)
    except RoomError as error:
        raise LeagueError(403, "join_refused", error.message) from None
    outcome = MatchOutcome(ended={}, seat={})
    while True:
        try:
            outcome.ended = await _serve(connection, policy, outcome, on_seat, drop_after)
            await connection.close()
            return outcome
        except _Dropped as dropped:
            grace = float(outcome.seat.get("graceSeconds", 10))
            connection = await _reconnect(api, connection, grace, str(dropped))
            outcome.reconnections += 1


async def _reconnect(api: LeagueAPI, old: RoomConnection, grace: float, why: str) -> RoomConnection:
    """Takes the seat back within `grace` seconds (Colyseus reconnection), or raises LeagueError."""
    deadline = time.monotonic() + grace
    last_error = why
    while time.monotonic() < deadline:
        try:
            reservation = api.matchmake("reconnect", old.room_id, {"reconnectionToken": old.reconnection_token})
            # The room admits the reserved session only with the token it was reserved for.
            reservation.setdefault("reconnectionToken", old.reconnection_token)
            return await RoomConnection.open(api.server, reservation)
        except (LeagueError, RoomError, OSError, websockets.WebSocketException) as error:
            last_error = str(error)
            await asyncio.sleep(0.5)
    raise LeagueError(0, "connection_lost", f"could not rejoin room {old.room_id} within {grace} s: {last_error}")


def play_match(api: LeagueAPI, room_id: str, version_id: str, policy: Policy,
               on_seat: Optional[Callable[[dict], None]] = None, drop_after: Optional[int] = None) -> MatchOutcome:
    """Joins room `room_id` as version `version_id`'s player and plays to the end (blocking)."""
    return asyncio.run(play_match_async(api, room_id, version_id, policy, on_seat, drop_after))
