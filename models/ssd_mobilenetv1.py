#!/usr/bin/python3
"""SSD-MobileNetV1 COCO (TF object detection API ssd_mobilenet_v1_coco_2018_01_28) as NVIDIA prepares
it (DLASW prepare_models, orin-facts §4): input after the preprocessor (2x3x300x300), MobileNetV1
(depth multiplier 1) depthwise-separable backbone with ReLU6 = Clip(0, 6), feature maps
Conv2d_11_pointwise (512x19x19) and Conv2d_13_pointwise (1024x10x10), four extra layers (1x1 + 3x3/2)
giving 512x5x5, 256x3x3, 256x2x2, 128x1x1, and per scale the 1x1 box (4 x anchors) and class
(91 x anchors) predictors fused into one conv (box channels first); BN folded into conv biases,
TF 'SAME' padding written as explicit (asymmetric) pads; no NMS. Synthetic weights (see README)."""

import zoo_builder

BATCH = 2
INPUT_HW = 300
CLASSES = 91  # 90 COCO classes + background
ANCHORS = (3, 6, 6, 6, 6, 6)  # reduce_boxes_in_lowest_layer: 3 boxes on the 19x19 map
# MobileNetV1 separable layers 1-13: (pointwise channels, depthwise stride)
SEPARABLE = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
             (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))
EXTRAS = ((256, 512), (128, 256), (128, 256), (64, 128))  # (1x1 channels, 3x3/2 channels)


def same_pads(size, k, stride):
    """TF 'SAME': output ceil(size/stride), the odd pixel of padding goes to the bottom/right."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return (total // 2, total // 2, total - total // 2, total - total // 2)


def conv_relu6(b, x, cout, k, stride=1, group=1):
    pads = same_pads(b.shapes[x][2], k, stride)
    return b.clip(b.conv(x, cout, k, stride=stride, pads=pads, group=group), 0.0, 6.0)


def build():
    b = zoo_builder.GraphBuilder("ssd_mobilenetv1", seed=300)
    x = b.input("input", (BATCH, 3, INPUT_HW, INPUT_HW))
    x = conv_relu6(b, x, 32, 3, stride=2)
    feats = []
    for layer, (cout, stride) in enumerate(SEPARABLE, start=1):
        cin = b.shapes[x][1]
        x = conv_relu6(b, conv_relu6(b, x, cin, 3, stride=stride, group=cin), cout, 1)
        if layer in (11, 13):
            feats.append(x)
    for mid, out in EXTRAS:
        x = conv_relu6(b, conv_relu6(b, x, mid, 1), out, 3, stride=2)
        feats.append(x)
    for i, (f, anchors) in enumerate(zip(feats, ANCHORS)):
        b.output(b.conv(f, anchors * (4 + CLASSES), 1, gain=0.5), f"box_class_{i}")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "ssd_mobilenetv1.onnx")
