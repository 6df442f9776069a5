#!/usr/bin/env bash
# Horizontal fusion A/B: the functional outputs of a network compiled with and without --no-hfuse must
# be the same bits (docs/compiler.md "Horizontal fusion": each slice keeps its own INT8 scale).
# usage: hfuse_ab.sh DLASIM PYTHON REFDIR MODEL.onnx CONFIG WORKDIR
set -euo pipefail
dlasim=$1; py=$2; ref=$3; model=$4; config=$5; work=$6
rm -rf "$work"; mkdir -p "$work"
inputs=$("$py" "$ref/make_input.py" "$model" --out-dir "$work/in")
for mode in on off; do
    flag=()
    [ "$mode" = off ] && flag=(--no-hfuse)
    "$dlasim" compile "$model" -o "$work/$mode.dlal" --config "$config" "${flag[@]}" >/dev/null
    # shellcheck disable=SC2086
    "$dlasim" run "$work/$mode.dlal" --config "$config" --functional $inputs --save-outputs "$work/$mode" >/dev/null
done
"$py" "$ref/compare.py" "$work/on" "$work/off" --exact
