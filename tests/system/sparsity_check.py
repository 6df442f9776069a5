#!/usr/bin/python3
"""2:4 sparse ResNet-50 on Orin: `dlasim run --sparsity=enable` against the dense run of the same model.
Asserts the sparse run is faster in total, that some layer compute-bound in the dense run gains
>= 1.5x (sparse CSC steps 2 x AtomC channels: at most 2x), and that some layer memory-bound in the
dense run on its activations (its DRAM reads shrink by less than 10 % with sparse weights) gains < 1.1x
(activation traffic does not shrink). A layer bound by its weight fetch gains like a compute-bound one
(2:4 weights are half the bytes); when the dense run has no activation-bound layer (e.g. at 15W, where
the DRAM is wide for the clock: orin-facts §2 "more layers become math-bound"), that check is reported
as not applicable. Every weight-bound layer must gain >= 85 % of the factor its reads shrink by. Prints the numbers.
usage: sparsity_check.py DLASIM MODEL_SPARSE.onnx [extra run args...]"""
import re
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stderr}")
    total = re.search(r"^\s*total cycles\s+(\d+)", p.stdout, re.M)
    if not total:
        sys.exit(f"FAIL: no 'total cycles' in the report of {' '.join(cmd)}")
    # per-layer rows: "  # layer op eng cycles start MACs util% rd wr bound"
    layers = {}
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 10 and f[0].isdigit() and f[-1] in ("compute", "memory", "output", "input"):
            layers[int(f[0])] = (int(f[-7]), f[-1], line[5:30].strip(), float(f[-3]))
    if not layers:
        sys.exit("FAIL: no layer rows in the report")
    return int(total.group(1)), layers


def main():
    dlasim, model, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    dense_total, dense = run([dlasim, "run", model, "--sparsity=disable", *extra])
    sparse_total, sparse = run([dlasim, "run", model, "--sparsity=enable", *extra])
    print(f"total cycles: dense {dense_total}, sparse {sparse_total}, speedup {dense_total / sparse_total:.3f}x")
    if sparse_total >= dense_total:
        sys.exit("FAIL: the sparse run is not faster than the dense one")
    if dense.keys() != sparse.keys():
        sys.exit("FAIL: dense and sparse reports have different layers")
    gain = {i: dense[i][0] / sparse[i][0] for i in dense}
    compute = [i for i in dense if dense[i][1] == "compute" and "Conv" in dense[i][2]]
    memory = [i for i in dense if dense[i][1] == "memory" and "Conv" in dense[i][2]]
    if not compute or not memory:
        sys.exit("FAIL: the dense run has no compute-bound or no memory-bound conv layer")
    # memory-bound on activations: sparse weights did not shrink its reads much
    activation_bound = [i for i in memory if sparse[i][3] >= 0.9 * dense[i][3]]
    best = max(compute, key=lambda i: gain[i])
    print(f"compute-bound (dense) layer {best} {dense[best][2]}: {dense[best][0]} -> {sparse[best][0]} cycles, "
          f"{gain[best]:.3f}x")
    if gain[best] < 1.5 or gain[best] > 2.05:
        sys.exit(f"FAIL: best compute-bound layer gains {gain[best]:.3f}x, expected 1.5x..2x")
    weight_bound = [i for i in memory if i not in activation_bound]
    if weight_bound:
        # bound by DRAM, a layer's time follows its bytes: with 2:4 weights (half the weight bytes) it must
        # gain at least 85 % of the factor by which its reads shrink (writes and fixed costs do not shrink)
        ratio = {i: dense[i][3] / sparse[i][3] for i in weight_bound}
        worst = min(weight_bound, key=lambda i: gain[i] / ratio[i])
        print(f"weight-bound (dense) layer {worst} {dense[worst][2]}: {dense[worst][0]} -> {sparse[worst][0]} "
              f"cycles, {gain[worst]:.3f}x, reads shrink {ratio[worst]:.3f}x")
        if gain[worst] < 0.85 * ratio[worst]:
            sys.exit(f"FAIL: a weight-bound layer gains {gain[worst]:.3f}x while its reads shrink {ratio[worst]:.3f}x")
    if not activation_bound:
        print(f"activation-bound check not applicable: the {len(memory)} memory-bound conv layer(s) of the dense "
              "run are bound by their weight fetch (reads shrink >= 10 % with sparse weights)")
    else:
        least = min(activation_bound, key=lambda i: gain[i])
        print(f"memory-bound (dense) layer {least} {dense[least][2]}: {dense[least][0]} -> {sparse[least][0]} "
              f"cycles, {gain[least]:.3f}x")
        if gain[least] >= 1.1:
            sys.exit(f"FAIL: every activation-bound memory-bound layer gains >= 1.1x (least {gain[least]:.3f}x)")
    print("PASS")


if __name__ == "__main__":
    main()
