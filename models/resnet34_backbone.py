#!/usr/bin/python3
"""ResNet-34 backbone as NVIDIA's backbone_rn34_1280x768_dummy.onnx (DLASW README, orin-facts §4):
torchvision ResNet-34 (basic blocks [3, 4, 6, 3]) on a 1x3x768x1280 input (H x W; the published name
says 1280x768 = W x H), returning the stage feature maps C3, C4, C5 (strides 8, 16, 32) that the
RetinaNet FPN consumes. BatchNormalization kept; synthetic weights (see README)."""

import resnet_blocks
import zoo_builder

INPUT = (1, 3, 768, 1280)


def build():
    b = zoo_builder.GraphBuilder("resnet34_backbone", seed=34)
    x = b.input("input", INPUT)
    _, c3, c4, c5 = resnet_blocks.resnet34(b, x)
    for name, t in (("c3", c3), ("c4", c4), ("c5", c5)):
        b.output(t, name)
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "resnet34_backbone.onnx")
