#!/usr/bin/python3
"""Checks of the published-network generators in models/ against hand-derived expectations:
  structure MODEL    onnx.checker (full) + strict shape inference; output shapes re-inferred with the
                     declared ones cleared equal the hand-derived shapes; operator set; Conv count
  macs MODEL         conv MACs per image from an ONNX graph walk == the hand-written layer list below
  sparse MODEL       MODEL_sparse.onnx: exactly 2 zeros in every group of 4 input channels of every conv
                     with C > 64, the two kept are the larger-magnitude ones, everything else identical
  determinism MODEL  two fresh generations (dense + sparse) are byte-identical
  batches yolov5s    yolov5s_b{2,4,8,12,16}.onnx: batch-N shapes, same weights and nodes as batch 1
  sparsify_cli MODEL models/sparsify.py on MODEL.onnx (e.g. resnet50) passes the `sparse` rules
Usage: zoo_test.py CHECK MODEL --models-dir DIR --generators DIR"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

# ---- expected output shapes ------------------------------------------------------------------------
# ResNet-34 at H x W = 768 x 1280: strides 8/16/32 give C3 96x160 (128 ch), C4 48x80 (256), C5 24x40 (512).
# RetinaNet levels: P3-P5 as C3-C5; P6 = 3x3/2 pad 1: (24+2-3)//2+1 = 12, (40+2-3)//2+1 = 20; P7 = 6x10.
# RN34 heads: 9 anchors x 80 classes = 720 class channels, 9 x 4 = 36 box channels.
RN34_LEVELS = [(96, 160), (48, 80), (24, 40), (12, 20), (6, 10)]
# RetinaNet RX50 at 800x800: 100, 50, 25, P6 (25+2-3)//2+1 = 13, P7 (13+2-3)//2+1 = 7; 9 x 264 = 2376.
RX50_LEVELS = [(100, 100), (50, 50), (25, 25), (13, 13), (7, 7)]
# SSD-ResNet-34 1200: backbone stride 8 -> 150; extras 150 -> 75 (3x3/2 p1) -> 38 -> 19 -> 9 (3x3/2 p0)
# -> 7 (3x3/1 p0); heads 3x3/3 pad 1: (n+2-3)//3+1 -> 50, 25, 13, 7, 3, 3 (15130 boxes in all);
# channels anchors x (4 + 81): 4 x 85 = 340, 6 x 85 = 510.
SSD_R34_MAPS = [150, 75, 38, 19, 9, 7]
SSD_R34_HEADS = [(340, 50), (510, 25), (510, 13), (510, 7), (340, 3), (340, 3)]
# SSD-MobileNetV1 300 (TF SAME): 150, 75, 38, 19 (Conv2d_11), 10 (Conv2d_13); extras 5, 3, 2, 1;
# predictors anchors x (4 + 91): 3 x 95 = 285 on the 19x19 map, 6 x 95 = 570 elsewhere (1917 boxes).
SSD_MBV1_HEADS = [(285, 19), (570, 10), (570, 5), (570, 3), (570, 2), (570, 1)]
# YOLOv5s 672: P3/8 = 84, P4/16 = 42, P5/32 = 21; Detect 3 anchors x (5 + 80) = 255 channels.
YOLO_LEVELS = [84, 42, 21]


def expected_outputs(model, batch=1):
    if model == "resnet34_backbone":
        return {"c3": [1, 128, 96, 160], "c4": [1, 256, 48, 80], "c5": [1, 512, 24, 40]}
    if model in ("retinanet_rn34", "retinanet_rx50"):
        levels, cls = (RN34_LEVELS, 720) if model == "retinanet_rn34" else (RX50_LEVELS, 2376)
        out = {f"cls_p{i + 3}": [1, cls, h, w] for i, (h, w) in enumerate(levels)}
        out.update({f"box_p{i + 3}": [1, 36, h, w] for i, (h, w) in enumerate(levels)})
        return out
    if model == "ssd_resnet34":
        return {f"loc_conf_{i}": [1, c, s, s] for i, (c, s) in enumerate(SSD_R34_HEADS)}
    if model == "ssd_mobilenetv1":
        return {f"box_class_{i}": [2, c, s, s] for i, (c, s) in enumerate(SSD_MBV1_HEADS)}
    if model == "yolov5s":
        return {f"det_p{i + 3}": [batch, 255, s, s] for i, s in enumerate(YOLO_LEVELS)}
    raise KeyError(model)


INPUTS = {"resnet34_backbone": [1, 3, 768, 1280], "retinanet_rn34": [1, 3, 768, 1280],
          "retinanet_rx50": [1, 3, 800, 800], "ssd_resnet34": [1, 3, 1200, 1200],
          "ssd_mobilenetv1": [2, 3, 300, 300], "yolov5s": [1, 3, 672, 672]}

# Operators each network must use (the compiler's to-do list) — from the architectures, not the files.
OPS = {
    "resnet34_backbone": {"Conv", "BatchNormalization", "Relu", "MaxPool", "Add"},
    "retinanet_rn34": {"Conv", "BatchNormalization", "Relu", "MaxPool", "Add", "Resize"},
    "retinanet_rx50": {"Conv", "Relu", "MaxPool", "Add", "Resize"},
    "ssd_resnet34": {"Conv", "BatchNormalization", "Relu", "MaxPool", "Add"},
    "ssd_mobilenetv1": {"Conv", "Clip"},
    "yolov5s": {"Conv", "BatchNormalization", "Sigmoid", "Mul", "Add", "Concat", "MaxPool", "Resize"},
}


# ---- hand-written layer lists: (C_in per group, K, kernel, OH, OW) per conv, one image ---------------
def conv(cin, cout, k, hw, hw2=None):
    return (cin, cout, k, hw, hw if hw2 is None else hw2)


def basic_stage(cin, cout, blocks, h, w, downsample):
    """First 3x3 (cin->cout, at the output size h x w), 1x1 projection if any, then 2*blocks-1 3x3."""
    layers = [conv(cin, cout, 3, h, w)] + ([conv(cin, cout, 1, h, w)] if downsample else [])
    return layers + [conv(cout, cout, 3, h, w)] * (2 * blocks - 1)


def resnet34_768x1280():
    # conv1 7x7/2: 768x1280 -> 384x640; maxpool /2 -> 192x320; stages at 192x320, 96x160, 48x80, 24x40
    return ([conv(3, 64, 7, 384, 640)] + basic_stage(64, 64, 3, 192, 320, False)
            + basic_stage(64, 128, 4, 96, 160, True) + basic_stage(128, 256, 6, 48, 80, True)
            + basic_stage(256, 512, 3, 24, 40, True))


def fpn_and_heads(c3c4c5, levels, cls_channels, p6_cin):
    (h3, w3), (h4, w4), (h5, w5), (h6, w6), (h7, w7) = levels
    c3, c4, c5 = c3c4c5
    layers = [conv(c5, 256, 1, h5, w5), conv(c4, 256, 1, h4, w4), conv(c3, 256, 1, h3, w3),
              conv(256, 256, 3, h3, w3), conv(256, 256, 3, h4, w4), conv(256, 256, 3, h5, w5),
              conv(p6_cin, 256, 3, h6, w6), conv(256, 256, 3, h7, w7)]
    for h, w in levels:  # class and box subnets: 4 x 3x3 256->256 each, then the predictors
        layers += [conv(256, 256, 3, h, w)] * 8 + [conv(256, cls_channels, 3, h, w), conv(256, 36, 3, h, w)]
    return layers


def resnext50_800():
    # conv1 -> 400, maxpool -> 200; stage s: first block's 1x1 reduce runs at the input size, the
    # grouped 3x3 (32 groups: C/group = width/32) carries the stride, projection 1x1/2 on the input.
    layers = [conv(3, 64, 7, 400, 400)]
    cin = 64
    for width, cout, blocks, size_in, size in ((128, 256, 3, 200, 200), (256, 512, 4, 200, 100),
                                               (512, 1024, 6, 100, 50), (1024, 2048, 3, 50, 25)):
        layers += [conv(cin, width, 1, size_in), conv(width // 32, width, 3, size), conv(width, cout, 1, size),
                   conv(cin, cout, 1, size)]
        layers += [conv(cout, width, 1, size), conv(width // 32, width, 3, size), conv(width, cout, 1, size)] * (blocks - 1)
        cin = cout
    return layers


def ssd_resnet34_1200():
    # conv1 -> 600, maxpool -> 300, layer1 300, layer2 150, layer3 (stride 1) 150
    layers = ([conv(3, 64, 7, 600)] + basic_stage(64, 64, 3, 300, 300, False)
              + basic_stage(64, 128, 4, 150, 150, True) + basic_stage(128, 256, 6, 150, 150, True))
    layers += [conv(256, 256, 1, 150), conv(256, 512, 3, 75), conv(512, 256, 1, 75), conv(256, 512, 3, 38),
               conv(512, 128, 1, 38), conv(128, 256, 3, 19), conv(256, 128, 1, 19), conv(128, 256, 3, 9),
               conv(256, 128, 1, 9), conv(128, 256, 3, 7)]
    head_cin = [256, 512, 512, 256, 256, 256]
    return layers + [conv(c, k, 3, s) for c, (k, s) in zip(head_cin, SSD_R34_HEADS)]


def ssd_mobilenetv1_300():
    layers = [conv(3, 32, 3, 150)]
    # (channels in, channels out, output size) of separable layers 1-13: depthwise C/group = 1
    for cin, cout, size in ((32, 64, 150), (64, 128, 75), (128, 128, 75), (128, 256, 38), (256, 256, 38),
                            (256, 512, 19), (512, 512, 19), (512, 512, 19), (512, 512, 19), (512, 512, 19),
                            (512, 512, 19), (512, 1024, 10), (1024, 1024, 10)):
        layers += [conv(1, cin, 3, size), conv(cin, cout, 1, size)]
    layers += [conv(1024, 256, 1, 10), conv(256, 512, 3, 5), conv(512, 128, 1, 5), conv(128, 256, 3, 3),
               conv(256, 128, 1, 3), conv(128, 256, 3, 2), conv(256, 64, 1, 2), conv(64, 128, 3, 1)]
    return layers + [conv(c, k, 1, s) for c, (k, s) in zip((512, 1024, 512, 256, 256, 128), SSD_MBV1_HEADS)]


def c3_block(cin, cout, n, size):
    """C3: cv1, cv2 (cin -> cout/2, 1x1), n bottlenecks (1x1 + 3x3 at cout/2), cv3 (cout -> cout)."""
    h = cout // 2
    return ([conv(cin, h, 1, size)] + [conv(h, h, 1, size), conv(h, h, 3, size)] * n
            + [conv(cin, h, 1, size), conv(cout, cout, 1, size)])


def yolov5s_672():
    return ([conv(3, 32, 6, 336), conv(32, 64, 3, 168)] + c3_block(64, 64, 1, 168)
            + [conv(64, 128, 3, 84)] + c3_block(128, 128, 2, 84)
            + [conv(128, 256, 3, 42)] + c3_block(256, 256, 3, 42)
            + [conv(256, 512, 3, 21)] + c3_block(512, 512, 1, 21)
            + [conv(512, 256, 1, 21), conv(1024, 512, 1, 21)]            # SPPF cv1, cv2 (4 x 256 in)
            + [conv(512, 256, 1, 21)] + c3_block(512, 256, 1, 42)        # 10; 13 on cat(up 256, P4 256)
            + [conv(256, 128, 1, 42)] + c3_block(256, 128, 1, 84)        # 14; 17 on cat(up 128, P3 128)
            + [conv(128, 128, 3, 42)] + c3_block(256, 256, 1, 42)        # 18; 20 on cat(128, 14's 128)
            + [conv(256, 256, 3, 21)] + c3_block(512, 512, 1, 21)        # 21; 23 on cat(256, 10's 256)
            + [conv(128, 255, 1, 84), conv(256, 255, 1, 42), conv(512, 255, 1, 21)])


def hand_layers(model):
    if model == "resnet34_backbone":
        return resnet34_768x1280()
    if model == "retinanet_rn34":  # P6 on C5 (512 channels)
        return resnet34_768x1280() + fpn_and_heads((128, 256, 512), RN34_LEVELS, 720, 512)
    if model == "retinanet_rx50":  # P6 on P5 (256 channels)
        return resnext50_800() + fpn_and_heads((512, 1024, 2048), RX50_LEVELS, 2376, 256)
    if model == "ssd_resnet34":
        return ssd_resnet34_1200()
    if model == "ssd_mobilenetv1":
        return ssd_mobilenetv1_300()
    if model == "yolov5s":
        return yolov5s_672()
    raise KeyError(model)


# ---- helpers ---------------------------------------------------------------------------------------
class Failure(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def load(args, name):
    path = os.path.join(args.models_dir, f"{name}.onnx")
    expect(os.path.exists(path), f"{path} missing: build the `zoo` target first")
    return onnx.load(path)


def dims(value_info):
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


def infer_strict(model):
    """Strict shape inference with the declared output shapes cleared, so the shapes come from the
    operators alone."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for o in m.graph.output:
        o.type.tensor_type.ClearField("shape")
    return onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)


def conv_macs_per_image(model):
    """Graph walk: for each Conv, N*K*OH*OW*(C/group)*R*S from the weight initialiser and the inferred
    output shape; divided by the batch."""
    inferred = infer_strict(model)
    shapes = {v.name: dims(v) for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    weights = {t.name: tuple(t.dims) for t in model.graph.initializer}
    batch = dims(model.graph.input[0])[0]
    total, count = 0, 0
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        k, cg, r, s = weights[node.input[1]]
        n, kk, oh, ow = shapes[node.output[0]]
        expect(kk == k, f"{node.name}: output channels {kk} != weight K {k}")
        total += n * k * oh * ow * cg * r * s
        count += 1
    return total // batch, count


# ---- checks ----------------------------------------------------------------------------------------
def check_structure(args):
    model = load(args, args.model)
    onnx.checker.check_model(model, full_check=True)
    inferred = infer_strict(model)
    got = {o.name: dims(o) for o in inferred.graph.output}
    want = expected_outputs(args.model)
    expect(got == want, f"outputs {got}, expected {want}")
    declared = {o.name: dims(o) for o in model.graph.output}
    expect(declared == want, f"declared outputs {declared}, expected {want}")
    expect([dims(i) for i in model.graph.input] == [INPUTS[args.model]],
           f"inputs {[dims(i) for i in model.graph.input]}, expected {[INPUTS[args.model]]}")
    ops = {n.op_type for n in model.graph.node}
    expect(ops == OPS[args.model], f"operators {sorted(ops)}, expected {sorted(OPS[args.model])}")
    convs = sum(n.op_type == "Conv" for n in model.graph.node)
    expect(convs == len(hand_layers(args.model)), f"{convs} Conv nodes, hand list has {len(hand_layers(args.model))}")
    print(f"{args.model}: structure ok, {len(model.graph.node)} nodes, {convs} convs, ops {sorted(ops)}")


def check_macs(args):
    model = load(args, args.model)
    want = sum(cin * cout * k * k * oh * ow for cin, cout, k, oh, ow in hand_layers(args.model))
    got, count = conv_macs_per_image(model)
    expect(got == want, f"graph walk {got:,} MACs/image ({count} convs), hand-derived {want:,}")
    print(f"{args.model}: {got:,} MACs per image")


def check_sparse(args):
    compare_sparse(args.model, load(args, args.model), load(args, f"{args.model}_sparse"))


def check_sparsify_cli(args):
    """models/sparsify.py on a model generated without a sparse variant (resnet50) obeys the same rules."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "sparse.onnx")
        dense_path = os.path.join(args.models_dir, f"{args.model}.onnx")
        expect(os.path.exists(dense_path), f"{dense_path} missing: build the `zoo` target first")
        subprocess.run([sys.executable, "-B", os.path.join(args.generators, "sparsify.py"), dense_path, out],
                       check=True)
        compare_sparse(args.model, onnx.load(dense_path), onnx.load(out))


def compare_sparse(name, dense, sparse):
    onnx.checker.check_model(sparse)
    graph_d, graph_s = onnx.GraphProto(), onnx.GraphProto()
    graph_d.CopyFrom(dense.graph)
    graph_s.CopyFrom(sparse.graph)
    graph_d.ClearField("initializer")
    graph_s.ClearField("initializer")
    expect(graph_d.SerializeToString() == graph_s.SerializeToString(), "nodes / inputs / outputs differ")
    dense_inits = {t.name: t for t in dense.graph.initializer}
    eligible = {n.input[1] for n in dense.graph.node if n.op_type == "Conv" and dense_inits[n.input[1]].dims[1] > 64}
    sparse_inits = {t.name: t for t in sparse.graph.initializer}
    expect(len(sparse_inits) == len(dense.graph.initializer), "initialiser count differs")
    pruned = zeros = 0
    for t in dense.graph.initializer:
        s = sparse_inits[t.name]
        if t.name not in eligible:
            expect(s.SerializeToString() == t.SerializeToString(), f"{t.name} changed but is not a C > 64 conv weight")
            continue
        wd, ws = numpy_helper.to_array(t), numpy_helper.to_array(s)
        k, c, r, q = wd.shape
        expect(c % 4 == 0, f"{t.name}: C = {c}")
        gd = wd.reshape(k, c // 4, 4, r, q)
        gs = ws.reshape(k, c // 4, 4, r, q)
        is_zero = gs == 0
        expect(np.all(is_zero.sum(axis=2) == 2), f"{t.name}: a group of 4 does not have exactly 2 zeros")
        expect(np.array_equal(gs[~is_zero], gd[~is_zero]), f"{t.name}: a kept weight changed")
        kept_min = np.where(is_zero, np.inf, np.abs(gd)).min(axis=2)
        dropped_max = np.where(is_zero, np.abs(gd), -np.inf).max(axis=2)
        expect(np.all(kept_min >= dropped_max), f"{t.name}: a dropped weight is larger than a kept one")
        pruned += 1
        zeros += int(is_zero.sum())
    expect(pruned > 0, "no conv with C > 64: nothing was checked")
    print(f"{name}_sparse: {pruned} weights pruned 2:4, {zeros:,} zeros, everything else identical")


def check_determinism(args):
    gen = os.path.join(args.generators, f"{args.model}.py")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(2):
            out, sp = os.path.join(tmp, f"{i}.onnx"), os.path.join(tmp, f"{i}_sparse.onnx")
            subprocess.run([sys.executable, "-B", gen, "--out", out, "--sparse-out", sp], check=True,
                           stdout=subprocess.DEVNULL)
            with open(out, "rb") as f, open(sp, "rb") as g:
                runs.append((f.read(), g.read()))
    expect(runs[0][0] == runs[1][0], "dense model differs between two generations")
    expect(runs[0][1] == runs[1][1], "sparse model differs between two generations")
    print(f"{args.model}: two generations byte-identical ({len(runs[0][0]):,} + {len(runs[0][1]):,} bytes)")


def check_batches(args):
    expect(args.model == "yolov5s", "batch variants exist for yolov5s only")
    base = load(args, "yolov5s")
    base_inits = [t.SerializeToString() for t in base.graph.initializer]
    for n in (2, 4, 8, 12, 16):
        m = load(args, f"yolov5s_b{n}")
        got = {o.name: dims(o) for o in infer_strict(m).graph.output}
        expect(got == expected_outputs("yolov5s", n), f"b{n}: outputs {got}")
        expect(dims(m.graph.input[0]) == [n, 3, 672, 672], f"b{n}: input {dims(m.graph.input[0])}")
        expect([t.SerializeToString() for t in m.graph.initializer] == base_inits, f"b{n}: weights differ from b1")
        expect([x.SerializeToString() for x in m.graph.node] == [x.SerializeToString() for x in base.graph.node],
               f"b{n}: nodes differ from b1")
        expect(conv_macs_per_image(m)[0] == conv_macs_per_image(base)[0], f"b{n}: MACs per image differ")
    print("yolov5s b2..b16: shapes ok, same nodes and weights as batch 1")


CHECKS = {"structure": check_structure, "macs": check_macs, "sparse": check_sparse, "sparsify_cli": check_sparsify_cli,
          "determinism": check_determinism, "batches": check_batches}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("check", choices=sorted(CHECKS))
    ap.add_argument("model", choices=sorted(INPUTS) + ["resnet50"])
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--generators", required=True)
    args = ap.parse_args()
    try:
        CHECKS[args.check](args)
    except Failure as e:
        sys.stderr.write(f"FAIL {args.check} {args.model}: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
