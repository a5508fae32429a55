#!/usr/bin/env python3
"""Small hand-built ONNX models the server's tests submit and run (each breaks one rule):

    /usr/bin/python3 clients/python/make_test_models.py server/test/fixtures/onnx

custom-domain.onnx   a node from an operator domain other than the standard one
external-data.onnx   an initializer whose bytes live in a file beside the model
nan-output.onnx      a weight that is NaN, so every output is NaN
wide-input.onnx      takes 92 numbers, not the 91 of car-soccer-1v1's default observation
two-inputs.onnx      takes a second input
loop.onnx            a Loop of `--loop-iterations` steps (control flow the league refuses)
hang.onnx            a Loop whose trip count is max(observation) x 10^15: none on the all-zero
                     observation a model process warms up with, without end on ones (a model
                     that hangs on some inputs, so that the model host's kill is certain)
huge-expand.onnx     standard operators only, but it expands one number to 50000 x 50000 floats
                     (10 GB) on every run: a model that allocates without end
All are car-soccer-1v1 / default / lookup shaped (91 -> 90) unless said otherwise.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OBS, ACTIONS = 91, 90


def gemm_model(weight: np.ndarray, inputs=None, extra_nodes=(), opsets=(("", 13),), name="policy"):
    inputs = inputs or [helper.make_tensor_value_info("observation", TensorProto.FLOAT, ["batch", weight.shape[0]])]
    w = numpy_helper.from_array(weight.astype(np.float32), "w")
    nodes = [helper.make_node("MatMul", ["observation", "w"], ["logits"])] + list(extra_nodes)
    graph = helper.make_graph(nodes, name, inputs,
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", ACTIONS])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    model.ir_version = 7
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--loop-iterations", type=int, default=1_000_000)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((OBS, ACTIONS)).astype(np.float32) * 0.1
    save = lambda model, name: onnx.save(model, os.path.join(args.out, name))

    # An operator of a custom domain: ORT does not know it, and the league never loads such code.
    custom = gemm_model(weight, opsets=(("", 13), ("com.example", 1)))
    custom.graph.node.append(helper.make_node("Mystery", ["logits"], ["unused"], domain="com.example"))
    save(custom, "custom-domain.onnx")

    # Its weight stored outside the file (onnx's external-data format), beside it as w.bin.
    external = gemm_model(weight)
    tensor = external.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "w.bin"), ("offset", "0"), ("length", str(weight.nbytes))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    save(external, "external-data.onnx")

    poisoned = weight.copy()
    poisoned[:, :] = np.nan
    save(gemm_model(poisoned), "nan-output.onnx")
    save(gemm_model(rng.standard_normal((OBS + 1, ACTIONS)) * 0.1), "wide-input.onnx")

    two = gemm_model(weight, inputs=[
        helper.make_tensor_value_info("observation", TensorProto.FLOAT, ["batch", OBS]),
        helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", 16])])
    save(two, "two-inputs.onnx")

    # logits = observation @ w + a counter that a Loop adds 1 to `--loop-iterations` times.
    body = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "one"], ["acc_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [])],
        [numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one")])
    looped = gemm_model(weight)
    looped.graph.node[0].output[0] = "product"
    looped.graph.initializer.extend([
        numpy_helper.from_array(np.array(args.loop_iterations, dtype=np.int64), "trips"),
        numpy_helper.from_array(np.array(True), "go"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero")])
    looped.graph.node.extend([helper.make_node("Loop", ["trips", "go", "zero"], ["count"], body=body),
                              helper.make_node("Add", ["product", "count"], ["logits"])])
    save(looped, "loop.onnx")
    # The same Loop, its trip count max(observation) * 1e15: zero for the warm-up's zeros, endless for ones.
    hang = gemm_model(weight)
    hang.graph.node[0].output[0] = "product"
    hang.graph.initializer.extend([
        numpy_helper.from_array(np.array(1e15, dtype=np.float32), "scale"),
        numpy_helper.from_array(np.array(True), "go"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero")])
    hang.graph.node.extend([
        helper.make_node("ReduceMax", ["observation"], ["peak"], keepdims=0),
        helper.make_node("Mul", ["peak", "scale"], ["scaled"]),
        helper.make_node("Cast", ["scaled"], ["trips"], to=TensorProto.INT64),
        helper.make_node("Loop", ["trips", "go", "zero"], ["count"], body=body),
        helper.make_node("Add", ["product", "count"], ["logits"])])
    save(hang, "hang.onnx")
    # logits = observation @ w + mean(expand(mean(observation), [50000, 50000])).
    huge = gemm_model(weight)
    huge.graph.node[0].output[0] = "product"
    huge.graph.initializer.append(numpy_helper.from_array(np.array([50_000, 50_000], dtype=np.int64), "huge_shape"))
    huge.graph.node.extend([
        helper.make_node("ReduceMean", ["observation"], ["row_mean"], axes=[1], keepdims=1),
        helper.make_node("Expand", ["row_mean", "huge_shape"], ["huge"]),
        helper.make_node("ReduceMean", ["huge"], ["huge_mean"], keepdims=0),
        helper.make_node("Add", ["product", "huge_mean"], ["logits"]),
    ])
    save(huge, "huge-expand.onnx")
    for name in sorted(os.listdir(args.out)):
        print(name, os.path.getsize(os.path.join(args.out, name)))


if __name__ == "__main__":
    main()
