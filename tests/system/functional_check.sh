#!/usr/bin/env bash
# Functional check of one network: dlasim's INT8 outputs (functional mode, through the cycle-level
# model) must equal the independent Python INT8 reference bit for bit, and stay within a stated
# bound of the FP32 ONNX reference.
# usage: functional_check.sh DLASIM PYTHON REFDIR MODEL.onnx CONFIG WORKDIR FP32_BOUND [REF_TOOL [COMPILE_FLAG...]]
# REF_TOOL (default int8_ref.py; fp16_ref.py for FP16 and mixed networks) is the bit-exact reference;
# the COMPILE_FLAGs (e.g. --fp16, --layerPrecisions=...) go to `dlasim compile`.
set -euo pipefail
dlasim=$1; py=$2; ref=$3; model=$4; config=$5; work=$6; bound=$7
ref_tool=${8:-int8_ref.py}
shift $(( $# < 8 ? $# : 8 ))
rm -rf "$work"; mkdir -p "$work"
"$dlasim" compile "$model" -o "$work/model.dlal" --config "$config" "$@" >/dev/null
inputs=$("$py" "$ref/make_input.py" "$model" --out-dir "$work/in")
# shellcheck disable=SC2086
"$dlasim" run "$work/model.dlal" --config "$config" --functional $inputs --save-outputs "$work/dlasim" >/dev/null
# shellcheck disable=SC2086
"$py" "$ref/$ref_tool" "$work/model.dlal" $inputs --out-dir "$work/ref" >/dev/null
"$py" "$ref/compare.py" "$work/ref" "$work/dlasim" --exact
# shellcheck disable=SC2086
"$py" "$ref/fp32_ref.py" "$model" $inputs --out-dir "$work/fp32_ref" >/dev/null
"$py" "$ref/compare.py" "$work/fp32_ref" "$work/dlasim" --max-abs-err "$bound" --rel-to-range
