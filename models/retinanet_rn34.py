#!/usr/bin/python3
"""RetinaNet ResNet-34 as NVIDIA's retinanet_rn34_1280x768_dummy.onnx (DLASW README, orin-facts §4),
the NVIDIA retinanet-examples (ODTK) "ResNet34FPN" structure: ResNet-34 C3-C5 on 1x3x768x1280, FPN
P3-P7 with P6 = 3x3/2 conv on C5 (ODTK's pyramid6), 9 anchors, 80 classes (ODTK default), class logits
without the Sigmoid. BatchNormalization kept in the backbone; synthetic weights (see README)."""

import resnet_blocks
import retinanet_fpn
import zoo_builder

INPUT = (1, 3, 768, 1280)
CLASSES = 80


def build():
    b = zoo_builder.GraphBuilder("retinanet_rn34", seed=35)
    x = b.input("input", INPUT)
    _, c3, c4, c5 = resnet_blocks.resnet34(b, x)
    retinanet_fpn.heads(b, retinanet_fpn.fpn(b, c3, c4, c5, p6_from_p5=False), CLASSES)
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "retinanet_rn34.onnx")
