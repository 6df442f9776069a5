#!/usr/bin/python3
"""Functional-test nets for LRN on the CDP (docs/compiler.md "LRN on the CDP"): conv3x3 3->32 (+ ReLU),
LRN across channels, conv1x1 32->16. --net picks one:
  lrn3 / lrn5 / lrn7 / lrn9   window 3, 5, 7, 9 with AlexNet's attributes (alpha 1e-4, beta 0.75, bias
                              2 for lrn5 as in AlexNet; 1 otherwise)
  lrn5_strong                 alpha 1, beta 0.75, bias 1 after a conv of gain 4: the square sums reach the
                              steep part of the function (every table region is used)
  lrn5_c16                    16 channels: half of a 32-channel atom (rule lrn.channels)
  lrn4 / lrn11                window 4 / 11 (rule lrn.window)
  lrn5_bias0                  bias 0: (0 + alpha / size * 0)^-beta is infinite (rule lrn.params)
32 channels fill one memory atom on orin and nv_full, so the CDP window never reads padding lanes."""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402

NETS = {  # size, alpha, beta, bias, conv gain, channels
    "lrn3": (3, 1e-4, 0.75, 1.0, 2.0, 32),
    "lrn5": (5, 1e-4, 0.75, 2.0, 2.0, 32),
    "lrn7": (7, 1e-4, 0.75, 1.0, 2.0, 32),
    "lrn9": (9, 1e-4, 0.75, 1.0, 2.0, 32),
    "lrn5_strong": (5, 1.0, 0.75, 1.0, 4.0, 32),
    "lrn5_c16": (5, 1e-4, 0.75, 1.0, 2.0, 16),
    "lrn4": (4, 1e-4, 0.75, 1.0, 2.0, 32),
    "lrn11": (11, 1e-4, 0.75, 1.0, 2.0, 32),
    "lrn5_bias0": (5, 1e-4, 0.75, 0.0, 2.0, 32),
}


def build(net):
    size, alpha, beta, bias, gain, ch = NETS[net]
    b = zoo_builder.GraphBuilder(f"tiny_{net}", seed=47)
    x = b.input("input", (1, 3, 8, 10))
    a = b.relu(b.conv(x, ch, 3, pad=1, gain=gain))
    y = b.node("LRN", [a], (1, ch, 8, 10), size=size, alpha=alpha, beta=beta, bias=bias)
    b.output(b.conv(y, 16, 1), "output")
    return b.model(), b.macs


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", required=True, choices=sorted(NETS))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    model, _ = build(a.net)
    zoo_builder.save(model, a.out)
