#!/usr/bin/python3
"""MLPerf SSD-ResNet-34 1200x1200 (resnet34-ssd1200.onnx, MLPerf ssd_r34.py) as NVIDIA prepares it
(DLASW prepare_models, orin-facts §4): torchvision ResNet-34 up to layer3 with layer3's stride set to 1
(stride 8, 256 x 150 x 150), five extra blocks (1x1 conv + ReLU, 3x3 conv + ReLU) giving 512x75x75,
512x38x38, 256x19x19, 256x9x9, 256x7x7, and per scale the loc (4 x anchors) and conf (81 x anchors)
3x3 stride-3 head convs fused horizontally into one conv (loc channels first); cut before the reshapes,
decode and NMS. Backbone BatchNormalization kept; extras and heads have biases; synthetic weights."""

import resnet_blocks
import zoo_builder

INPUT = (1, 3, 1200, 1200)
LABELS = 81  # 80 COCO classes + background
ANCHORS = (4, 6, 6, 6, 4, 4)  # default boxes per location of each scale
# Extra blocks: (1x1 channels, 3x3 output channels, 3x3 stride, 3x3 pad)
EXTRAS = ((256, 512, 2, 1), (256, 512, 2, 1), (128, 256, 2, 1), (128, 256, 2, 0), (128, 256, 1, 0))
HEAD_STRIDE = 3  # MLPerf's 1200 variant keeps the 300x300 model's head grid: 3x3 convs with stride 3


def build():
    b = zoo_builder.GraphBuilder("ssd_resnet34", seed=1200)
    x = b.input("input", INPUT)
    x = resnet_blocks.resnet34(b, x, strides=(1, 2, 1), stages=3)[-1]
    feats = [x]
    for mid, out, stride, pad in EXTRAS:
        x = b.relu(b.conv(b.relu(b.conv(x, mid, 1)), out, 3, stride=stride, pad=pad))
        feats.append(x)
    for i, (f, anchors) in enumerate(zip(feats, ANCHORS)):
        y = b.conv(f, anchors * (4 + LABELS), 3, stride=HEAD_STRIDE, pad=1, gain=0.5)
        b.output(y, f"loc_conf_{i}")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "ssd_resnet34.onnx")
