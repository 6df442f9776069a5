#!/bin/sh
# Long fuzzing campaigns with prebuilt libFuzzer binaries, every target at once: for machines with many
# cores (or a session split into several runs). Corpora and crash files persist in CAMPAIGN_DIR, so
# calling it again resumes every target; each call appends one row per target to CAMPAIGN_DIR/runs.tsv
# and rewrites CAMPAIGN_DIR/report.md with the totals over all calls.
# Usage: bench/fuzz/campaign.sh BIN_DIR CAMPAIGN_DIR SECONDS TARGET:WORKERS [TARGET:WORKERS ...]
#   BIN_DIR holds fuzz_<target> (bench/fuzz/run.sh builds them into build-fuzz/fuzz); CAMPAIGN_DIR/<target>/
#   seeds/ must hold the seed files the first time (bench/fuzz/run.sh --prepare-only writes them).
# Environment: DLASIM_CONFIG_DIR, DLASIM_FUZZ_MODEL, DLASIM_MODELS_DIR as for bench/fuzz/run.sh;
#   FUZZ_ASAN_OPTIONS overrides ASAN_OPTIONS (leak detection stays on unless the caller turns it off).
set -eu
[ $# -ge 4 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
bin=$(cd "$1" && pwd)
camp=$2
seconds=$3
shift 3
mkdir -p "$camp"
camp=$(cd "$camp" && pwd)
export ASAN_OPTIONS="${FUZZ_ASAN_OPTIONS:-detect_leaks=1}"
stamp=$(date -u +%Y-%m-%dT%H:%MZ)

for spec in "$@"; do
    t=${spec%%:*}
    w=${spec#*:}
    [ -x "$bin/fuzz_$t" ] || { echo "campaign: no $bin/fuzz_$t" >&2; exit 2; }
    d="$camp/$t"
    mkdir -p "$d/corpus" "$d/crashes" "$d/seeds"
    # Fork mode: W worker processes, crashes recorded and the campaign goes on; the first corpus
    # directory receives every new input, the seeds are read once.
    (cd "$d" && "$bin/fuzz_$t" -fork="$w" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -artifact_prefix=crashes/ \
        corpus seeds >"fuzz.$stamp.log" 2>&1; echo $? >"fuzz.$stamp.rc") &
done
wait

for spec in "$@"; do
    t=${spec%%:*}
    w=${spec#*:}
    d="$camp/$t"
    log="$d/fuzz.$stamp.log"
    # Fork mode prints "#<total executions>: cov: C ft: F corp: N exec/s: E ..." lines.
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
    execs=$(printf '%s' "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
    cov=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    crashes=$(find "$d/crashes" -type f | wc -l)
    corpus=$(find "$d/corpus" -type f | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stamp" "$t" "$w" "$seconds" "${execs:-0}" "${cov:-0}" \
        "${ft:-0}" "$corpus" "$crashes" >>"$camp/runs.tsv"
done

# Totals over every call: executions and worker-seconds add up; coverage, corpus and crashes are the latest.
{
    echo "# Fuzzing campaign totals ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "Sum over $(cut -f1 "$camp/runs.tsv" | sort -u | wc -l) run(s) of bench/fuzz/campaign.sh (libFuzzer fork mode, ASan+UBSan)."
    echo
    echo "| target | executions | worker-seconds | exec/s per worker | coverage (edges) | features | corpus | crash files |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '{ e[$2] += $5; ws[$2] += $3 * $4; cov[$2] = $6; ft[$2] = $7; co[$2] = $8; cr[$2] = $9 }
        END { for (t in e) printf "| %s | %d | %d | %d | %d | %d | %d | %d |\n", t, e[t], ws[t],
              ws[t] ? e[t] / ws[t] : 0, cov[t], ft[t], co[t], cr[t] }' "$camp/runs.tsv" | sort
} >"$camp/report.md.tmp"
mv "$camp/report.md.tmp" "$camp/report.md"
cat "$camp/report.md"
