#!/usr/bin/python3
"""MLPerf ResNet-50 v1.5 layer structure as NVIDIA runs it on the DLA (orin-facts §4): the global
average pool is an AveragePool 7x7 and the classifier a 1x1 Conv (2x1000x1x1 output, cut before
ArgMax/softmax). Batch 2, 3x224x224, BatchNormalization kept. Weights are synthetic (see README)."""

import zoo_builder

BATCH = 2
STAGES = ((64, 3), (128, 4), (256, 6), (512, 3))  # (bottleneck width, blocks); output width x4
EXPANSION = 4
RESIDUAL_GAMMA = 0.2  # last BN of each residual branch: keeps the sum's variance bounded over 16 adds


def bottleneck(b, x, width, stride):
    cin = b.shapes[x][1]
    y = b.relu(b.batchnorm(b.conv(x, width, 1, bias=False)))
    y = b.relu(b.batchnorm(b.conv(y, width, 3, stride=stride, pad=1, bias=False)))  # v1.5: stride here
    y = b.batchnorm(b.conv(y, width * EXPANSION, 1, bias=False), gamma=RESIDUAL_GAMMA)
    if stride != 1 or cin != width * EXPANSION:
        x = b.batchnorm(b.conv(x, width * EXPANSION, 1, stride=stride, bias=False))
    return b.relu(b.add(y, x))


def build():
    b = zoo_builder.GraphBuilder("resnet50_v1.5", seed=50)
    x = b.input("input", (BATCH, 3, 224, 224))
    x = b.relu(b.batchnorm(b.conv(x, 64, 7, stride=2, pad=3, bias=False)))
    x = b.pool("MaxPool", x, 3, 2, pad=1)
    for stage, (width, blocks) in enumerate(STAGES):
        for i in range(blocks):
            x = bottleneck(b, x, width, 2 if (i == 0 and stage > 0) else 1)
    x = b.pool("AveragePool", x, 7, 1)
    x = b.conv(x, 1000, 1, bias=True, gain=0.5)  # the FC layer as NVIDIA rewrites it for the DLA
    b.output(x, "output")
    return b.model(), b.macs


if __name__ == "__main__":
    zoo_builder.main(build, "resnet50.onnx")
