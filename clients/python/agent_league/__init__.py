"""Agent League client for Python: the HTTP API and live remote-agent matches.

Standard library plus Debian's python3-websockets and python3-msgpack. See ../README.md.
"""
from .api import LeagueAPI, LeagueError
from .lookup import LOOKUP_TABLE, lookup_index
from .remote import MatchOutcome, play_match

__all__ = ["LeagueAPI", "LeagueError", "LOOKUP_TABLE", "lookup_index", "MatchOutcome", "play_match"]
