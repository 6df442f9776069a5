#!/usr/bin/python3
"""YOLOv5s v7.0 (ultralytics yolov5s.yaml, depth 0.33, width 0.50) at 672x672 as the cuDLA-samples run
it (orin-facts §5): Conv = Conv2d(k, s, pad k//2) + BatchNormalization + SiLU (exported as
x * Sigmoid(x)), C3 blocks, SPPF (MaxPool 5x5/1 pad 2 three times + Concat), PANet neck with nearest
2x Resize and Concat; the outputs are the three Detect 1x1 convs (3 anchors x 85 = 255 channels),
anchor decode runs on CUDA. `--batch N` sets the batch (same weights for every batch)."""

import zoo_builder

BATCH = 1
INPUT_HW = 672
CLASSES = 80
ANCHORS = 3
RESIDUAL_GAMMA = 0.2  # last BN of each C3 bottleneck's shortcut branch (see README)
SILU_GAIN = 1.1  # He gain for SiLU, chosen empirically (README: 1.0 decays, 1.19 explodes)


def cbs(b, x, cout, k, stride=1, pad=None, gamma=1.0):
    """ultralytics Conv: Conv2d(bias=False) + BatchNorm2d + SiLU, autopad k // 2."""
    y = b.conv(x, cout, k, stride=stride, pad=k // 2 if pad is None else pad, bias=False, gain=SILU_GAIN)
    return b.silu(b.batchnorm(y, gamma=gamma))


def c3(b, x, cout, n, shortcut=True):
    """C3: cv3(cat(m(cv1(x)), cv2(x))), m = n Bottlenecks (1x1 then 3x3, e=1.0, add if shortcut)."""
    hidden = cout // 2
    y = cbs(b, x, hidden, 1)
    for _ in range(n):
        z = cbs(b, cbs(b, y, hidden, 1), hidden, 3, gamma=RESIDUAL_GAMMA if shortcut else 1.0)
        y = b.add(y, z) if shortcut else z
    return cbs(b, b.concat([y, cbs(b, x, hidden, 1)]), cout, 1)


def sppf(b, x, cout):
    y = [cbs(b, x, b.shapes[x][1] // 2, 1)]
    for _ in range(3):
        y.append(b.pool("MaxPool", y[-1], 5, 1, pad=2))
    return cbs(b, b.concat(y), cout, 1)


def build(batch=BATCH):
    b = zoo_builder.GraphBuilder("yolov5s", seed=5)
    x = b.input("input", (batch, 3, INPUT_HW, INPUT_HW))
    x = cbs(b, x, 32, 6, stride=2, pad=2)                            # 0  P1/2
    x = c3(b, cbs(b, x, 64, 3, stride=2), 64, 1)                     # 1-2  P2/4
    p3 = c3(b, cbs(b, x, 128, 3, stride=2), 128, 2)                  # 3-4  P3/8
    p4 = c3(b, cbs(b, p3, 256, 3, stride=2), 256, 3)                 # 5-6  P4/16
    x = sppf(b, c3(b, cbs(b, p4, 512, 3, stride=2), 512, 1), 512)    # 7-9  P5/32
    h10 = cbs(b, x, 256, 1)                                          # 10
    x = c3(b, b.concat([b.resize_nearest(h10, 2), p4]), 256, 1, shortcut=False)   # 11-13
    h14 = cbs(b, x, 128, 1)                                          # 14
    out3 = c3(b, b.concat([b.resize_nearest(h14, 2), p3]), 128, 1, shortcut=False)  # 15-17 P3 out
    out4 = c3(b, b.concat([cbs(b, out3, 128, 3, stride=2), h14]), 256, 1, shortcut=False)  # 18-20
    out5 = c3(b, b.concat([cbs(b, out4, 256, 3, stride=2), h10]), 512, 1, shortcut=False)  # 21-23
    for level, t in zip((3, 4, 5), (out3, out4, out5)):             # 24 Detect m.0-m.2
        y = b.conv(t, ANCHORS * (5 + CLASSES), 1, gain=0.5)
        # the ultralytics export's node name, which NVIDIA's cuDLA setup forces to FP16 (orin-facts §5)
        b.nodes[-1].name = f"/model.24/m.{level - 3}/Conv"
        b.output(y, f"det_p{level}")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "yolov5s.onnx", batch=BATCH)
