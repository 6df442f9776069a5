#!/bin/sh
# Valgrind memcheck over a small end-to-end simulation: compile, timing and functional runs of tiny_cnn
# and tiny_residual on orin and nv_small, `trace show`, one NVDLA trace test and a 4-point sweep, on a
# plain (non-sanitized) RelWithDebInfo build. Fails on any memcheck error or definite leak outside the
# third-party suppressions (dlasim.supp); writes out/valgrind/report.md. Usage: bench/valgrind/run.sh
# Environment: VG_BUILD (build folder, default build-valgrind), VG_JOBS (build jobs, default 2).
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${VG_BUILD:-build-valgrind}
command -v valgrind >/dev/null || { echo "bench/valgrind: valgrind is required (apt-get install valgrind)" >&2; exit 1; }

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLASIM_SANITIZE=OFF \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build "$build" -j"${VG_JOBS:-2}" --target dlasim >/dev/null
bin="$root/$build/bin/dlasim"

out="$root/out/valgrind"
rm -rf "$out"
mkdir -p "$out/logs" "$out/work" "$out/models"
for m in tiny_cnn tiny_residual; do
    /usr/bin/python3 -B models/$m.py --out "$out/models/$m.onnx" >/dev/null
done
export DLASIM_CONFIG_DIR="$root/configs" DLASIM_MODELS_DIR="$out/models"
traces="$root/../shared/nvdla/traces/nv_small"
w="$out/work"
m="$out/models"

# --max-stackframe=200000: SystemC runs each SC_THREAD on its own 256 KiB stack, malloc'ed one after
# another (QuickThreads coroutines that memcheck cannot see). With the default (2 MB), a switch between
# two such stacks 256 KiB apart looks like a 256 KiB stack pop, and memcheck marks the heap in between
# inaccessible: thousands of false "invalid read/write" and "uninitialised" reports in whatever heap
# objects lie there. Below 256 KiB, memcheck takes those jumps as stack switches instead; dlasim's
# largest real frame is 64 KiB (the driver's region upload), well under the bound.
vg() { # vg NAME EXPECTED_EXIT ARGS...: one dlasim command under memcheck, its time and exit status
    name=$1 want=$2
    shift 2
    t0=$(date +%s)
    rc=0
    valgrind --tool=memcheck --max-stackframe=200000 --leak-check=full --show-leak-kinds=definite,possible \
        --errors-for-leak-kinds=definite --error-exitcode=99 --trace-children=no --child-silent-after-fork=no \
        --suppressions="$root/bench/valgrind/dlasim.supp" --gen-suppressions=all \
        --log-file="$out/logs/$name.%p.log" "$bin" "$@" >"$out/logs/$name.stdout" 2>"$out/logs/$name.stderr" || rc=$?
    echo "$name $want $rc $(($(date +%s) - t0))" >>"$out/steps"
    printf '%-28s exit %s (expected %s), %s s\n' "$name" "$rc" "$want" "$(($(date +%s) - t0))"
}

: >"$out/steps"
start=$(date +%s)
vg compile_tiny_cnn_orin 0 compile "$m/tiny_cnn.onnx" -o "$w/tiny_cnn_orin.dlal"
vg compile_tiny_cnn_nv_small 0 compile "$m/tiny_cnn.onnx" --config nv_small -o "$w/tiny_cnn_nv_small.dlal"
vg compile_tiny_residual_orin 0 compile "$m/tiny_residual.onnx" -o "$w/tiny_residual_orin.dlal"
# nv_small has no element-wise SDP stage: the refusal path is checked for leaks too.
vg compile_tiny_residual_nv_small 1 compile "$m/tiny_residual.onnx" --config nv_small -o "$w/tiny_residual_nv_small.dlal"
vg run_tiny_cnn_orin 0 run "$w/tiny_cnn_orin.dlal" --trace "$w/tiny_cnn_orin.h5"
vg run_tiny_cnn_nv_small 0 run "$w/tiny_cnn_nv_small.dlal" --config nv_small
vg run_tiny_residual_orin 0 run "$w/tiny_residual_orin.dlal"
vg functional_tiny_cnn_orin 0 run "$w/tiny_cnn_orin.dlal" --functional --save-outputs "$w/out_cnn_orin"
vg functional_tiny_cnn_nv_small 0 run "$w/tiny_cnn_nv_small.dlal" --config nv_small --functional
vg functional_tiny_residual_orin 0 run "$m/tiny_residual.onnx" --functional --trace "$w/tiny_residual_func.h5"
vg trace_show 0 trace show "$w/tiny_cnn_orin.h5"
vg nvdla_trace_pdp 0 nvdla-trace "$traces/pdp_8x9x19_3x3_ave_int8_0" --config nv_small-rtl -o "$w/nvdla.h5"
# The sweep forks its workers (no exec): memcheck follows each child and writes one log per process.
vg sweep_4_points 0 sweep bench/valgrind/sweep4.json -o "$w/sweep4.h5" -j 2 -q
total=$(($(date +%s) - start))

# Every log of every process: memcheck errors and leaks (definite leaks count as errors, above).
fail=0
report="$out/report.md.tmp"
{
    echo "# Valgrind memcheck ($(date -u +%Y-%m-%dT%H:%MZ), $(valgrind --version), $build RelWithDebInfo)"
    echo
    echo "| step | exit (expected) | processes | errors | definitely lost | possibly lost | wall s |"
    echo "|---|---|---:|---:|---:|---:|---:|"
} >"$report"
while read -r name want rc secs; do
    procs=0 errs=0 def=0 pos=0
    for log in "$out/logs/$name".*.log; do
        procs=$((procs + 1))
        e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | tail -1)
        d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)
        p=$(sed -n 's/.*possibly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)
        [ -n "$e" ] || { echo "bench/valgrind: $log has no ERROR SUMMARY (valgrind died?)" >&2; e=1; }
        errs=$((errs + e)) def=$((def + ${d:-0})) pos=$((pos + ${p:-0}))
    done
    ok=yes
    [ "$rc" = "$want" ] || ok=no
    [ "$errs" -eq 0 ] && [ "$def" -eq 0 ] || ok=no
    [ $ok = yes ] || fail=1
    echo "| $name | $rc ($want) | $procs | $errs | $def | $pos | $secs |" >>"$report"
done <"$out/steps"
{
    echo
    echo "Total: ${total} s under memcheck. Suppressions: bench/valgrind/dlasim.supp (third-party only)."
    echo "Logs: out/valgrind/logs/<step>.<pid>.log."
    [ $fail = 0 ] && echo "Result: CLEAN" || echo "Result: FAILED (see the logs)"
} >>"$report"
mv "$report" "$out/report.md"
cat "$out/report.md"
exit $fail
