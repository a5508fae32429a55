/**
 * Generalised advantage estimation (Schulman et al. 2016), over a rollout stored time-major:
 * index `t * numSlots + s` is step t of slot s (a slot is one agent in one environment).
 * `episodeEnds[t*S+s]` is 1 when step t ended that slot's episode (terminated or truncated), so
 * nothing after it is bootstrapped; `lastValues[s]` is V of the observation after the last step.
 */
export function computeGae(
  rewards: Float32Array,
  values: Float32Array,
  episodeEnds: Uint8Array,
  lastValues: Float32Array,
  numSteps: number,
  numSlots: number,
  gamma: number,
  lambda: number,
  advantages: Float32Array = new Float32Array(numSteps * numSlots),
  returns: Float32Array = new Float32Array(numSteps * numSlots),
): { advantages: Float32Array; returns: Float32Array } {
  const n = numSteps * numSlots;
  if (
    rewards.length !== n ||
    values.length !== n ||
    episodeEnds.length !== n ||
    lastValues.length !== numSlots
  ) {
    throw new RangeError(`computeGae: buffers must hold ${numSteps} steps x ${numSlots} slots`);
  }
  for (let s = 0; s < numSlots; s++) {
    let lastGaeLam = 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numSlots + s;
      const nextNonTerminal = 1 - episodeEnds[i]!;
      const nextValue = t === numSteps - 1 ? lastValues[s]! : values[i + numSlots]!;
      const delta = rewards[i]! + gamma * nextValue * nextNonTerminal - values[i]!;
      lastGaeLam = delta + gamma * lambda * nextNonTerminal * lastGaeLam;
      advantages[i] = lastGaeLam;
      returns[i] = lastGaeLam + values[i]!;
    }
  }
  return { advantages, returns };
}
