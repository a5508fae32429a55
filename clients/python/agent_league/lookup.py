"""The car-soccer action table and observation layout (envs/README.md, "Action parsers",
"Observation layouts"), for bots and trainers that must match the league's exactly."""
from typing import List

# Controls: throttle, steer, pitch, yaw, roll, jump, boost, handbrake.
def _make_lookup_table() -> List[List[float]]:
    """RLGym's LookupTableAction.make_lookup_table: 24 ground rows, then 66 aerial rows."""
    actions = []
    for throttle in (-1, 0, 1):
        for steer in (-1, 0, 1):
            for boost in (0, 1):
                for handbrake in (0, 1):
                    if boost == 1 and throttle != 1:
                        continue
                    actions.append([throttle or boost, steer, 0, steer, 0, 0, boost, handbrake])
    for pitch in (-1, 0, 1):
        for yaw in (-1, 0, 1):
            for roll in (-1, 0, 1):
                for jump in (0, 1):
                    for boost in (0, 1):
                        if jump == 1 and yaw != 0:
                            continue
                        if pitch == roll == jump == 0:
                            continue
                        handbrake = int(jump == 1 and (pitch != 0 or yaw != 0 or roll != 0))
                        actions.append([boost, yaw, pitch, yaw, roll, jump, boost, handbrake])
    return actions


LOOKUP_TABLE = _make_lookup_table()
assert len(LOOKUP_TABLE) == 90


def lookup_index(throttle: float, steer: float, boost: int = 0, handbrake: int = 0) -> int:
    """The ground row with these controls (throttle and steer in {-1, 0, 1}; boost only at full throttle)."""
    row = [throttle or boost, steer, 0, steer, 0, 0, boost, handbrake]
    return LOOKUP_TABLE.index(row)


# DefaultObs / AdvancedObs: the common head, then the player's own car block.
BALL_POSITION = slice(0, 3)      # x/4096, y/6000, z/2044, from the player's side (both teams attack +y)
BALL_VELOCITY = slice(3, 6)      # /2300
PREVIOUS_CONTROLS = slice(43, 51)
SELF = 51                         # own car block: position 0-2, velocity 3-5, angular velocity 6-8,
CAR_FORWARD = slice(9, 12)        # forward unit vector, up unit vector 12-14, boost/100 at 15,
CAR_BOOST, CAR_ON_GROUND = 15, 16  # on ground 16, has flip 17, demolished 18, supersonic 19
POSITION_SCALE = (4096.0, 6000.0, 2044.0)
