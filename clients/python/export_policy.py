#!/usr/bin/env python3
"""Export a PyTorch car-soccer policy to an Agent League ONNX checkpoint folder.

    /usr/bin/python3 clients/python/export_policy.py --out my-agent [--state-dict policy.pt]

The folder holds what `league submit` / POST /api/v1/submissions takes:
  agent.json   the manifest: format "onnx", env, observation builder, action parser, tick skip
  model.onnx   the policy: one float input [batch, observationSize] -> one output [batch, actionCount]
and, for checking the export, probes.json: observations with the outputs and argmax PyTorch gave.

Without --state-dict the network keeps its seeded random initialisation (the shipped test fixture).
With it, load your trained weights: a state_dict of the same architecture (see `Policy`), or change
`Policy` to your own network; anything torch.onnx.export writes with standard ONNX operators works.
"""
import argparse
import json
import os

import torch
from torch import nn

# car-soccer-1v1 with the "default" observation builder (51 + 20 x 2 numbers, envs/README.md
# "Observation layouts") and the "lookup" action parser (RLGym's 90-row LookupTableAction).
OBSERVATION_SIZES = {("car-soccer-1v1", "default"): 91, ("car-soccer-1v1", "advanced"): 103,
                     ("car-soccer-2v2", "default"): 131, ("car-soccer-2v2", "advanced"): 155,
                     ("car-soccer-3v3", "default"): 171, ("car-soccer-3v3", "advanced"): 207}
ACTION_COUNTS = {"lookup": 90, "multi-discrete": 19, "continuous": 8}


class Policy(nn.Module):
    """A small actor: observation -> logits over the action parser's choices (or continuous means)."""

    def __init__(self, observation_size: int, action_count: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(observation_size, hidden), nn.Tanh(),
            nn.Linear(hidden, hidden), nn.Tanh(),
            nn.Linear(hidden, action_count),
        )

    def forward(self, observation: torch.Tensor) -> torch.Tensor:
        return self.net(observation)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="checkpoint folder to write")
    parser.add_argument("--name", default="torch-policy")
    parser.add_argument("--env", default="car-soccer-1v1")
    parser.add_argument("--observation-builder", default="default", choices=["default", "advanced"])
    parser.add_argument("--action-parser", default="lookup", choices=sorted(ACTION_COUNTS))
    parser.add_argument("--tick-skip", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--state-dict", help="trained weights (torch.save(policy.state_dict(), path))")
    parser.add_argument("--probes", type=int, default=32, help="observation/output pairs saved in probes.json")
    args = parser.parse_args()

    observation_size = OBSERVATION_SIZES[(args.env, args.observation_builder)]
    action_count = ACTION_COUNTS[args.action_parser]
    torch.manual_seed(args.seed)
    policy = Policy(observation_size, action_count, args.hidden)
    if args.state_dict:
        policy.load_state_dict(torch.load(args.state_dict, map_location="cpu"))
    policy.eval()

    os.makedirs(args.out, exist_ok=True)
    example = torch.zeros(1, observation_size)
    torch.onnx.export(
        policy, example, os.path.join(args.out, "model.onnx"),
        input_names=["observation"], output_names=["logits"],
        dynamic_axes={"observation": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=13,
    )
    manifest = {
        "name": args.name,
        "kind": "model",
        "format": "onnx",
        "env": args.env,
        "observationBuilder": args.observation_builder,
        "actionParser": args.action_parser,
        "tickSkip": args.tick_skip,
        "observationSize": observation_size,
        "actionCount": action_count,
        # Standardise inside the network if your trainer normalised observations: the league
        # feeds the builder's numbers as they are when this is null.
        "observationNormalization": None,
        "training": {"framework": f"torch {torch.__version__}", "seed": args.seed,
                     "stateDict": os.path.basename(args.state_dict) if args.state_dict else None},
    }
    with open(os.path.join(args.out, "agent.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    # Probe observations in the builder's range (most entries lie in [-1, 1]; a few reach 2-3),
    # plus all zeros; the outputs are what PyTorch computes, for comparing with the league's run.
    generator = torch.Generator().manual_seed(args.seed + 1)
    observations = torch.cat([torch.zeros(1, observation_size),
                              torch.rand(args.probes - 1, observation_size, generator=generator) * 4 - 2])
    with torch.no_grad():
        outputs = policy(observations)
    probes = [{"observation": o.tolist(), "outputs": y.tolist(), "argmax": int(y.argmax())}
              for o, y in zip(observations, outputs)]
    with open(os.path.join(args.out, "probes.json"), "w") as f:
        json.dump({"torch": torch.__version__, "probes": probes}, f)
    size = os.path.getsize(os.path.join(args.out, "model.onnx"))
    print(f"wrote {args.out}: model.onnx ({size} bytes), agent.json, probes.json ({len(probes)} pairs)")


if __name__ == "__main__":
    main()
