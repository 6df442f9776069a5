"""RetinaNet FPN and heads shared by retinanet_rn34.py and retinanet_rx50.py: lateral 1x1 convs,
top-down nearest 2x Resize (constant scales) + Add, 3x3 output convs (P3-P5), P6 = 3x3/2 conv (on C5 or
P5), P7 = 3x3/2 conv on ReLU(P6); class and box subnets of 4 x (3x3 conv 256 + ReLU) + a 3x3 predictor,
shared across levels (one set of initialisers used by the five per-level Conv chains). The class
predictor has no Sigmoid: decode and NMS run on the GPU as in NVIDIA's runs."""

FPN_CHANNELS = 256
ANCHORS = 9  # 3 aspect ratios x 3 scales per location
SUBNET_DEPTH = 4
PREDICTOR_GAIN = 0.5  # like the zoo's classifiers: keeps the raw logits within a few units
LINEAR_INPUT_GAIN = 2 ** -0.5  # He-normal assumes a ReLU before the conv halves the second moment;
# convs reading a linear tensor (FPN sums, P5) would double it, so they get this gain instead


def fpn(b, c3, c4, c5, p6_from_p5):
    """[P3, P4, P5, P6, P7]; the top-down path adds the upsampled coarser lateral before smoothing."""
    lat5 = b.conv(c5, FPN_CHANNELS, 1)
    lat4 = b.add(b.conv(c4, FPN_CHANNELS, 1), b.resize_nearest(lat5, 2))
    lat3 = b.add(b.conv(c3, FPN_CHANNELS, 1), b.resize_nearest(lat4, 2))
    p3, p4, p5 = (b.conv(t, FPN_CHANNELS, 3, pad=1, gain=LINEAR_INPUT_GAIN) for t in (lat3, lat4, lat5))
    p6 = b.conv(p5 if p6_from_p5 else c5, FPN_CHANNELS, 3, stride=2, pad=1,
                gain=LINEAR_INPUT_GAIN if p6_from_p5 else 1.0)
    p7 = b.conv(b.relu(p6), FPN_CHANNELS, 3, stride=2, pad=1)
    return [p3, p4, p5, p6, p7]


def heads(b, levels, classes):
    """Graph outputs cls_p3..cls_p7 (ANCHORS*classes channels) then box_p3..box_p7 (ANCHORS*4)."""
    for kind, out_channels in (("cls", ANCHORS * classes), ("box", ANCHORS * 4)):
        subnet = [b.conv_params(f"{kind}_subnet.{i}", FPN_CHANNELS, FPN_CHANNELS, 3,
                                gain=LINEAR_INPUT_GAIN if i == 0 else 1.0) for i in range(SUBNET_DEPTH)]
        predictor = b.conv_params(f"{kind}_predictor", FPN_CHANNELS, out_channels, 3, gain=PREDICTOR_GAIN)
        for level, x in enumerate(levels, start=3):
            for params in subnet:
                x = b.relu(b.conv(x, None, None, pad=1, params=params))
            b.output(b.conv(x, None, None, pad=1, params=predictor), f"{kind}_p{level}")
