#!/bin/sh
# Fuzzing campaign over every parser with libFuzzer (clang + ASan + UBSan): builds build-fuzz/, seeds
# each target from its CTest seed list (plus loadables compiled by build/bin/dlasim), runs each target
# for SECONDS with JOBS parallel jobs, and writes out/fuzz/report.md (executions, coverage, crashes).
# Usage: bench/fuzz/run.sh [SECONDS per target, default 300] [JOBS, default nproc] [TARGET ...]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-300}
jobs=${2:-$(nproc)}
shift 2 2>/dev/null || shift $#
targets=${*:-"npy config loadable onnx calib_cache nvdla_cfg nvdla_dat sweep_spec"}
command -v clang >/dev/null || { echo "bench/fuzz: clang is required (apt-get install clang)" >&2; exit 1; }
export DLASIM_CONFIG_DIR="$root/configs"
export DLASIM_FUZZ_MODEL="$root/build/models/tiny_cnn.onnx" DLASIM_MODELS_DIR="$root/build/models"

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLASIM_SANITIZE=ON \
    -DDLASIM_FUZZ_ENGINE=libfuzzer >/dev/null
cmake --build build-fuzz -j"$jobs" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done) >/dev/null
# Seeds from the zoo and loadables come from the ordinary Release build (the one `make run` uses).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target dlasim zoo >/dev/null

out="$root/out/fuzz"
mkdir -p "$out"
report="$out/report.md.tmp"
{
    echo "# Fuzzing campaign ($(date -u +%Y-%m-%dT%H:%MZ), ${seconds} s x ${jobs} jobs per target)"
    echo
    echo "| target | executions | exec/s | coverage (edges) | features | corpus | crashes |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
} >"$report"
for t in $targets; do
    dir="$out/$t"
    mkdir -p "$dir/corpus" "$dir/crashes"
    rm -f "$dir"/fuzz-*.log
    if [ "$t" = loadable ]; then
        build/bin/dlasim compile build/models/tiny_cnn.onnx --config nv_small -o "$dir/corpus/tiny_cnn_nv_small.dlal" >/dev/null
        build/bin/dlasim compile build/models/tiny_residual.onnx --config orin-agx-64gb \
            -o "$dir/corpus/tiny_residual_orin.dlal" >/dev/null
    elif [ "$t" = calib_cache ]; then
        cp tests/fuzz/corpus/calib_cache/* "$dir/corpus/"
        build/bin/dlasim compile build/models/tiny_cnn.onnx -o "$dir/tiny_cnn.dlal" \
            --calib-cache-out "$dir/corpus/tiny_cnn.cache" >/dev/null
    else
        while read -r seed; do
            [ -z "$seed" ] && continue
            seed=$(printf '%s' "$seed" | sed "s|^$root/build-fuzz/models/|$root/build/models/|")
            if [ -d "$seed" ]; then cp "$seed"/* "$dir/corpus/" 2>/dev/null || true; else cp "$seed" "$dir/corpus/"; fi
        done <"build-fuzz/fuzz/$t.seeds"
    fi
    (cd "$dir" && "$root/build-fuzz/fuzz/fuzz_$t" corpus -jobs="$jobs" -workers="$jobs" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -artifact_prefix=crashes/ \
        -print_final_stats=1 >/dev/null 2>&1) || true
    execs=0
    cov=0
    ft=0
    for log in "$dir"/fuzz-*.log; do
        [ -f "$log" ] || continue
        n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
        execs=$((execs + ${n:-0}))
        c=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
        f=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
        [ "${c:-0}" -gt "$cov" ] && cov=$c
        [ "${f:-0}" -gt "$ft" ] && ft=$f
    done
    crashes=$(find "$dir/crashes" -type f | wc -l)
    corpus=$(find "$dir/corpus" -type f | wc -l)
    rate=$((execs / seconds))
    echo "| $t | $execs | $rate | $cov | $ft | $corpus | $crashes |" >>"$report"
    echo "bench/fuzz: $t: $execs executions, coverage $cov, $crashes crash files in $dir/crashes"
done
mv "$report" "$out/report.md"
echo "bench/fuzz: wrote $out/report.md"
