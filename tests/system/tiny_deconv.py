#!/usr/bin/python3
"""Functional-test nets for deconvolution and nearest Resize on the DLA (docs/compiler.md "Deconvolution
and Resize", RUBIK contract): --net deconv (ConvTranspose 2x2 stride 2, 24 output channels, bias, then
ReLU and a 1x1 conv), resize2 (nearest x2, asymmetric + floor), resize4 (nearest x4, half_pixel +
round_prefer_floor, as PyTorch exports), concat (a 2x2 deconvolution and a x2 Resize each concatenated with
a lateral conv, as in the FPN / YOLO necks); general ConvTranspose (phase decomposition):
deconv3s2 (kernel 3 stride 2, output 13x13 cropped from 14x14), deconv4s2p1 (the DCGAN / FPN form),
deconv3s1 (stride 1, pads 1), deconv2s2op (output_padding 1), deconv3s2op (3x5 kernel, asymmetric pads,
output_padding on one axis); and nets the compiler refuses, naming the rule: deconv_crop_concat (a
cropped output feeding a Concat), deconv64 (kernel 64x1 stride 1: its phase kernel exceeds 32); linear
Resize (exclusive means + phase convs + contract, DLA 2 only): linear (x2 half_pixel), linear_asym (x2
asymmetric), linear4 (x4 half_pixel between convs), linear3x1 (x3 on H, pytorch_half_pixel), and
linear_align (align_corners, refused)."""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import zoo_builder  # noqa: E402


def deconv(b, x, cout, k, bias=True, stride=None, pads=(0, 0, 0, 0), out_pad=(0, 0)):
    """ConvTranspose (kernel k x k or k = (kh, kw)); output size from the ONNX formula
    (in - 1) * stride + kernel - pad_begin - pad_end + output_padding."""
    n, cin, h, w = b.shapes[x]
    kh, kw = (k, k) if isinstance(k, int) else k
    s = kh if stride is None else stride
    ins = [x, b.init(f"Deconv_{b._index}.weight", b.he_normal((cin, cout, kh, kw), cin))]
    if bias:
        ins.append(b.init(f"Deconv_{b._index}.bias", b.small((cout,), 0.1)))
    b.macs += n * cin * cout * h * w * kh * kw
    oh = (h - 1) * s + kh - pads[0] - pads[2] + out_pad[0]
    ow = (w - 1) * s + kw - pads[1] - pads[3] + out_pad[1]
    attrs = dict(kernel_shape=[kh, kw], strides=[s, s])
    if any(pads):
        attrs["pads"] = list(pads)
    if any(out_pad):
        attrs["output_padding"] = list(out_pad)
    return b.node("ConvTranspose", ins, (n, cout, oh, ow), **attrs)


def resize(b, x, s, half_pixel):
    if not half_pixel:
        return b.resize_nearest(x, s)
    n, c, h, w = b.shapes[x]
    scales = b.shared_init(f"resize_hp_scales_{s}", np.array([1, 1, s, s], dtype=np.float32))
    return b.node("Resize", [x, "", scales], (n, c, h * s, w * s), mode="nearest",
                  coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_floor")


def build(net):
    b = zoo_builder.GraphBuilder(f"rubik_{net}", seed=33)
    x = b.input("input", (1, 8, 6, 6))
    a = b.relu(b.conv(x, 16, 3, pad=1))
    if net == "deconv":
        y = b.conv(b.relu(deconv(b, a, 24, 2)), 13, 1)
    elif net == "resize2":
        y = b.conv(resize(b, a, 2, False), 13, 3, pad=1)
    elif net == "resize4":
        y = resize(b, b.conv(a, 16, 1), 4, True)
    elif net == "concat":
        lat = b.relu(b.conv(a, 32, 3, pad=1))  # 6x6, the lateral
        low = b.relu(b.conv(a, 32, 3, stride=2, pad=1))  # 3x3, the coarser level
        up1 = deconv(b, low, 32, 2)
        up2 = resize(b, b.conv(low, 32, 1), 2, False)
        y = b.conv(b.concat([up1, lat, up2]), 13, 1)
    elif net == "deconv3s2":  # kernel not a multiple of the stride: zero-padded to 4; 13x13, cropped
        y = deconv(b, a, 16, 3, stride=2)
    elif net == "deconv4s2p1":  # the DCGAN / FPN form: 6x6 -> 12x12, then ReLU and a 3x3 conv
        y = b.conv(b.relu(deconv(b, a, 24, 4, stride=2, pads=(1, 1, 1, 1))), 13, 3, pad=1)
    elif net == "deconv3s1":  # stride 1, pads 1: a 3x3 "same" transposed conv
        y = deconv(b, a, 20, 3, stride=1, pads=(1, 1, 1, 1))
    elif net == "deconv2s2op":  # output_padding 1: 6x6 -> 13x13 (the last row/column bias only), cropped
        # view read by a 3x3 conv
        y = b.conv(b.relu(deconv(b, a, 16, 2, stride=2, out_pad=(1, 1))), 13, 3, pad=1)
    elif net == "deconv3s2op":  # k3 s2 p1 output_padding 1 (PyTorch's exact 2x), here 3x5, asymmetric pads
        y = deconv(b, a, 16, (3, 5), stride=2, pads=(1, 2, 1, 1), out_pad=(1, 0))
    elif net == "deconv_crop_concat":  # a cropped output cannot be written into a Concat in place
        y = b.concat([deconv(b, a, 16, 3, stride=2), deconv(b, a, 16, 3, stride=2)])
    elif net == "deconv64":  # kernel 64 x 1 stride 1 (within TensorRT's limits): a phase kernel past 32
        y = deconv(b, a, 8, (64, 1), stride=1, pads=(63, 0, 0, 0))
    elif net.startswith("linear"):
        # linear: x2 half_pixel; linear_asym: x2 asymmetric; linear4: x4 half_pixel after a 1x1 conv, then a
        # 3x3 conv; linear3x1: x3 on H only, pytorch_half_pixel; linear_align: align_corners (refused)
        sy, sx, ctm = {"linear": (2, 2, "half_pixel"), "linear_asym": (2, 2, "asymmetric"),
                       "linear4": (4, 4, "half_pixel"), "linear3x1": (3, 1, "pytorch_half_pixel"),
                       "linear_align": (2, 2, "align_corners")}[net]
        if net == "linear4":
            a = b.conv(a, 16, 1)
        n, c, h, w = b.shapes[a]
        scales = b.shared_init(f"resize_linear_scales_{sy}_{sx}", np.array([1, 1, sy, sx], dtype=np.float32))
        y = b.node("Resize", [a, "", scales], (n, c, sy * h, sx * w), mode="linear",
                   coordinate_transformation_mode=ctm)
        if net == "linear4":
            y = b.conv(y, 13, 3, pad=1)
    else:
        raise SystemExit(f"tiny_deconv.py: unknown --net {net}")
    b.output(y, "output")
    return b.model(), b.macs


NETS = ["deconv", "resize2", "resize4", "concat", "deconv3s2", "deconv4s2p1", "deconv3s1", "deconv2s2op",
        "deconv3s2op", "deconv_crop_concat", "deconv64", "linear", "linear_asym", "linear4", "linear3x1", "linear_align"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", required=True, choices=NETS)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    model, macs = build(args.net)
    zoo_builder.save(model, args.out)
    print(f"{args.out}: {macs} MACs")
