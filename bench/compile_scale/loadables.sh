#!/usr/bin/env bash
# Compiles every zoo network (and the tiny system-test networks) into DIR with a fixed set of
# flags, so two builds' loadables can be compared byte for byte (`cmp -s`, see compare below) when
# a change must not move any loadable (e.g. the memory-plan WAR rework, docs/compiler.md).
# usage: bench/compile_scale/loadables.sh DLASIM DIR           # compile into DIR
#        bench/compile_scale/loadables.sh --compare DIR_A DIR_B  # exit 1 on any difference
set -uo pipefail
if [ "${1:-}" = "--compare" ]; then
  a=$2; b=$3; fail=0; n=0
  for f in "$a"/*.dlal; do
    n=$((n + 1))
    cmp -s "$f" "$b/$(basename "$f")" || { echo "DIFFERS: $(basename "$f")"; fail=1; }
  done
  [ "$(ls "$a"/*.dlal | wc -l)" -eq "$(ls "$b"/*.dlal | wc -l)" ] || { echo "different file sets"; fail=1; }
  echo "$n loadables compared, $([ $fail -eq 0 ] && echo identical || echo DIFFERENT)"
  exit $fail
fi
dlasim=$1; out=$2
zoo=${ZOO:-$(dirname "$dlasim")/../models}
mkdir -p "$out"
export DLASIM_CONFIG_DIR=${DLASIM_CONFIG_DIR:-$(dirname "$0")/../../configs}
compile() { # name model flags...
  local name=$1 model=$2; shift 2
  "$dlasim" compile "$model" -o "$out/$name.dlal" "$@" >/dev/null 2>"$out/$name.err" || echo "($name: $(head -c 200 "$out/$name.err"))"
}
# every zoo network on Orin (INT8, GPU fallback for model_gn); the NVDLA geometries, FP16, batch and
# sparse variants on the networks where they differ (big nv_full compiles take minutes each)
for m in "$zoo"/*.onnx; do
  b=$(basename "$m" .onnx)
  case "$b" in yolov5s_b1[26] | yolov5s_b8 | *_sparse) continue ;; esac
  compile "$b" "$m" --allowGPUFallback
done
for b in tiny_cnn model_bn resnet50; do
  compile "${b}_nv_small" "$zoo/$b.onnx" --config nv_small
  compile "${b}_nv_full" "$zoo/$b.onnx" --config nv_full
done
for b in tiny_residual model_bn ssd_mobilenetv1; do
  compile "${b}_fp16" "$zoo/$b.onnx" --fp16
done
compile model_bn_b4 "$zoo/model_bn.onnx" --batch 4
compile resnet50_b2 "$zoo/resnet50.onnx" --batch 2
compile yolov5s_sparse_force "$zoo/yolov5s_sparse.onnx" --sparsity=force
