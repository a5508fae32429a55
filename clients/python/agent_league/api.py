"""The league's HTTP API (server/README.md, "HTTP API"): sign-up, remote agents, matches."""
import json
import urllib.error
import urllib.request
from typing import Any, Optional


class LeagueError(Exception):
    """A refused request: `code` and `message` as the server's error body gives them."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class LeagueAPI:
    def __init__(self, server: str, api_key: Optional[str] = None, timeout: float = 30.0):
        self.server = server.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        """One JSON request; raises LeagueError on a 4xx/5xx answer."""
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        if auth and self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.server + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                text = res.read().decode()
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            try:
                err = json.loads(text).get("error", {})
            except ValueError:
                err = {}
            raise LeagueError(error.code, err.get("code", "http_error"), err.get("message", text)) from None
        except urllib.error.URLError as error:
            raise LeagueError(0, "unreachable", f"cannot reach {self.server}: {error.reason}") from None
        return json.loads(text) if text else None

    def sign_up(self, name: str) -> str:
        """Creates owner `name`; returns its API key (shown once) and uses it from now on."""
        answer = self.request("POST", "/api/v1/owners", {"name": name}, auth=False)
        self.api_key = answer["apiKey"]["key"]
        return self.api_key

    def register_remote_agent(self, name: str, env: str = "car-soccer-1v1", observation_builder: str = "default",
                              action_parser: str = "lookup", description: Optional[str] = None) -> dict:
        """A new version of remote agent `name`: {agentId, versionId, ...}."""
        body = {"name": name, "env": env, "observationBuilder": observation_builder, "actionParser": action_parser}
        if description:
            body["description"] = description
        return self.request("POST", "/api/v1/agents/remote", body)

    def request_match(self, version_id: str, opponent: Optional[str] = None, side: Optional[str] = None,
                      duration_seconds: Optional[int] = None, grace_seconds: Optional[int] = None) -> dict:
        """Starts a rated live match for the version: {matchId, roomId, seat, deadlineMs, graceSeconds, ...}."""
        body: dict = {"versionId": version_id}
        for key, value in (("opponent", opponent), ("side", side), ("durationSeconds", duration_seconds),
                           ("remoteGraceSeconds", grace_seconds)):
            if value is not None:
                body[key] = value
        return self.request("POST", "/api/v1/remote/matches", body)

    def match(self, match_id: str) -> dict:
        return self.request("GET", f"/api/v1/matches/{match_id}", auth=False)

    def matchmake(self, method: str, room_id: str, options: dict) -> dict:
        """Colyseus 0.16 seat reservation: POST /matchmake/<method>/<roomId> (joinById, reconnect)."""
        answer = self.request("POST", f"/matchmake/{method}/{room_id}", options, auth=False)
        if isinstance(answer, dict) and answer.get("error"):
            raise LeagueError(400, str(answer.get("code", "matchmake_error")), str(answer["error"]))
        return answer
