"""ResNet building blocks shared by the ResNet-34 generators (backbone, RetinaNet RN34, SSD-ResNet-34)
and RetinaNet ResNeXt-50: torchvision layer structure (stride in the first 3x3 conv of a basic block and
in the grouped 3x3 of a bottleneck, projection shortcut = 1x1 conv + norm). `folded=True` writes the
norm folded into the conv bias, as NVIDIA's prepared files have it (Conv->Mul/Add folded)."""

RESIDUAL_GAMMA = 0.2  # last norm of each residual branch: keeps the sum's variance bounded (see README)
RESNET34_STAGES = ((64, 3), (128, 4), (256, 6), (512, 3))  # basic blocks: (channels, blocks)
RESNEXT50_STAGES = ((128, 256, 3), (256, 512, 4), (512, 1024, 6), (1024, 2048, 3))  # (width, out, blocks)
RESNEXT_GROUPS = 32  # 32x4d: 32 groups of 4 channels in the first stage's 3x3 (width 128)


def conv_norm(b, x, cout, k, stride=1, pad=0, relu=True, gamma=1.0, folded=False, group=1):
    """Conv + BatchNormalization (or the BN folded into the conv: bias, weights scaled by `gamma`)."""
    if folded:
        y = b.conv(x, cout, k, stride=stride, pad=pad, bias=True, gain=gamma, group=group)
    else:
        y = b.batchnorm(b.conv(x, cout, k, stride=stride, pad=pad, bias=False, group=group), gamma=gamma)
    return b.relu(y) if relu else y


def stem(b, x, folded=False):
    """conv1 7x7/2 (64) + norm + ReLU, MaxPool 3x3/2 pad 1: stride 4 overall."""
    return b.pool("MaxPool", conv_norm(b, x, 64, 7, stride=2, pad=3, folded=folded), 3, 2, pad=1)


def basic_block(b, x, cout, stride):
    cin = b.shapes[x][1]
    y = conv_norm(b, x, cout, 3, stride=stride, pad=1)
    y = conv_norm(b, y, cout, 3, pad=1, relu=False, gamma=RESIDUAL_GAMMA)
    if stride != 1 or cin != cout:
        x = conv_norm(b, x, cout, 1, stride=stride, relu=False)
    return b.relu(b.add(y, x))


def resnet34(b, x, strides=(1, 2, 2, 2), stages=4):
    """Stem + the first `stages` ResNet-34 stages with the given first-block strides; returns the stage
    outputs [C2, C3, C4, C5][:stages]."""
    x = stem(b, x)
    outs = []
    for (cout, blocks), stride in list(zip(RESNET34_STAGES, strides))[:stages]:
        for i in range(blocks):
            x = basic_block(b, x, cout, stride if i == 0 else 1)
        outs.append(x)
    return outs


def resnext_bottleneck(b, x, width, cout, stride):
    """torchvision ResNeXt bottleneck, norms folded: 1x1 -> grouped 3x3 (stride) -> 1x1, projection."""
    cin = b.shapes[x][1]
    y = conv_norm(b, x, width, 1, folded=True)
    y = conv_norm(b, y, width, 3, stride=stride, pad=1, folded=True, group=RESNEXT_GROUPS)
    y = conv_norm(b, y, cout, 1, relu=False, gamma=RESIDUAL_GAMMA, folded=True)
    if stride != 1 or cin != cout:
        x = conv_norm(b, x, cout, 1, stride=stride, relu=False, folded=True)
    return b.relu(b.add(y, x))


def resnext50_32x4d(b, x):
    """Stem + 4 ResNeXt-50 32x4d stages (norms folded); returns [C2, C3, C4, C5]."""
    x = stem(b, x, folded=True)
    outs = []
    for stage, (width, cout, blocks) in enumerate(RESNEXT50_STAGES):
        for i in range(blocks):
            x = resnext_bottleneck(b, x, width, cout, 2 if (i == 0 and stage > 0) else 1)
        outs.append(x)
    return outs
