"""The jetson_dla_tutorial CIFAR-10 CNN (orin-facts §6): 4 x [Conv3x3 s2 p1 -> norm -> ReLU] with
channels 3->64->128->256->512, GlobalAveragePool, Flatten, Linear 512->10; input 32x3x32x32.
`norm` is BatchNormalization (model_bn) or GroupNorm(8 groups) as PyTorch exports it (model_gn)."""

import zoo_builder

BATCH = 32
CHANNELS = (64, 128, 256, 512)
GN_GROUPS = 8  # the tutorial's nn.GroupNorm(8, C)


def build_cifar(norm, seed):
    b = zoo_builder.GraphBuilder(f"cifar_{norm}", seed=seed)
    x = b.input("input", (BATCH, 3, 32, 32))
    for c in CHANNELS:
        x = b.conv(x, c, 3, stride=2, pad=1, bias=True)
        x = b.batchnorm(x) if norm == "bn" else b.groupnorm(x, GN_GROUPS)
        x = b.relu(x)
    x = b.gemm(b.flatten(b.global_avg_pool(x)), 10)
    b.output(x, "output")
    return b.model(), b.macs
