#!/usr/bin/python3
"""RetinaNet ResNeXt-50 32x4d FPN as NVIDIA prepares MLPerf's resnext50_32x4d_fpn.onnx (DLASW
prepare_models, orin-facts §4): torchvision retinanet structure at 1x3x800x800, FPN P3-P7 with
P6 = 3x3/2 conv on P5 (torchvision LastLevelP6P7(256, 256)), Resize with constant scales, norms folded
into conv biases (Conv->Mul/Add folded), 9 anchors, 264 classes (MLPerf OpenImages subset), 10 head
outputs (5 levels x class/box) cut before the reshapes, decode and NMS. Synthetic weights (see README)."""

import resnet_blocks
import retinanet_fpn
import zoo_builder

INPUT = (1, 3, 800, 800)
CLASSES = 264


def build():
    b = zoo_builder.GraphBuilder("retinanet_rx50", seed=50032)
    x = b.input("input", INPUT)
    _, c3, c4, c5 = resnet_blocks.resnext50_32x4d(b, x)
    retinanet_fpn.heads(b, retinanet_fpn.fpn(b, c3, c4, c5, p6_from_p5=True), CLASSES)
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "retinanet_rx50.onnx")
