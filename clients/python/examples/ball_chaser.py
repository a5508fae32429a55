#!/usr/bin/env python3
"""A ball-chaser written in Python that plays one live car-soccer match from the terminal.

    /usr/bin/python3 clients/python/examples/ball_chaser.py --server http://127.0.0.1:2567 --sign-up my-name
    /usr/bin/python3 clients/python/examples/ball_chaser.py --server URL --key KEY --opponent defender --seconds 30

It registers a remote agent (car-soccer-1v1, default observations, lookup actions), asks for a
match (rated: the league picks a built-in opponent and the length, the server's REMOTE_MATCH_SECONDS,
120 s by default; --opponent or --seconds make it an unrated practice match), joins the room and
answers every observation with a lookup index: full throttle, steering toward the ball, boosting
when facing it. At the end it prints the score and how its answers were counted.
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from agent_league import LeagueAPI, LeagueError, lookup_index, play_match  # noqa: E402
from agent_league.lookup import BALL_POSITION, CAR_BOOST, CAR_FORWARD, CAR_ON_GROUND, POSITION_SCALE, SELF  # noqa: E402


def chase(observation, _message):
    """Steer toward the ball in the floor plane, as the league's TypeScript ball-chaser does."""
    ball = observation[BALL_POSITION]
    car = observation[SELF:SELF + 20]
    dx = (ball[0] - car[0]) * POSITION_SCALE[0]
    dy = (ball[1] - car[1]) * POSITION_SCALE[1]
    fx, fy = car[CAR_FORWARD][0], car[CAR_FORWARD][1]
    # The car's left vector is (-fy, fx); positive steer turns right.
    angle = math.atan2(dx * -fy + dy * fx, dx * fx + dy * fy)
    steer = 0 if abs(angle) < 0.1 else (-1 if angle > 0 else 1)
    boost = int(abs(angle) < 0.3 and car[CAR_BOOST] > 0 and car[CAR_ON_GROUND] > 0.5)
    handbrake = int(abs(angle) > 1.8)
    return [lookup_index(1, steer, boost, handbrake if not boost else 0)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("LEAGUE_SERVER", "http://127.0.0.1:2567"))
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--key", default=os.environ.get("LEAGUE_API_KEY"), help="an API key of yours (or LEAGUE_API_KEY)")
    who.add_argument("--sign-up", metavar="OWNER", help="create owner OWNER and print its key")
    parser.add_argument("--name", default="python-ball-chaser", help="the remote agent's name")
    parser.add_argument("--opponent", help="a built-in bot to play (the match is then unrated; "
                                               "by default the league picks the opponent and the match is rated)")
    parser.add_argument("--side", choices=["blue", "orange"], default="blue")
    parser.add_argument("--seconds", type=int, help="match length, 5-300 (then unrated; by default the league's, 120 s unless "
                                                      "the server sets REMOTE_MATCH_SECONDS)")
    parser.add_argument("--drop-after", type=int, help="lose the connection once after N observations (tests reconnection)")
    parser.add_argument("--json", action="store_true", help="print the outcome as one JSON line")
    args = parser.parse_args()
    if not args.key and not args.sign_up:
        parser.error("give --key KEY (or LEAGUE_API_KEY), or --sign-up OWNER")

    api = LeagueAPI(args.server, args.key)
    try:
        if args.sign_up:
            print(f"API key for {args.sign_up} (shown once): {api.sign_up(args.sign_up)}", file=sys.stderr)
        version = api.register_remote_agent(args.name, env="car-soccer-1v1")
        match = api.request_match(version["versionId"], opponent=args.opponent, side=args.side,
                                  duration_seconds=args.seconds)
        print(f"match {match['matchId']}: {args.name} vs {args.opponent or 'an opponent the league picks'}, "
              f"{'rated' if match.get('rated') else 'unrated'}, answers due within {match['deadlineMs']:.1f} ms",
              file=sys.stderr)
        outcome = play_match(api, match["roomId"], version["versionId"], chase, drop_after=args.drop_after)
        stored = api.match(match["matchId"])
    except LeagueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    seat = outcome.seat.get("seat", 0)
    counted = ((stored.get("result") or {}).get("seats") or [{}] * (seat + 1))[seat].get("remote")
    summary = {
        "matchId": match["matchId"],
        "versionId": version["versionId"],
        "status": outcome.ended.get("status"),
        "rated": match.get("rated"),
        "score": outcome.ended.get("score"),
        "observations": outcome.observations,
        "answers": outcome.answers,
        "refused": len(outcome.refused),
        "reconnections": outcome.reconnections,
        "slowestAnswerMs": round(outcome.slowest_answer_ms, 2),
        "counted": counted,
    }
    print(json.dumps(summary) if args.json else "\n".join(f"{k}: {v}" for k, v in summary.items()))
    return 0 if outcome.ended.get("status") == "finished" else 2


if __name__ == "__main__":
    sys.exit(main())
