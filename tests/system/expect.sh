#!/usr/bin/env bash
# Runs a command and checks what a user would see: exit status, stdout/stderr patterns, that an
# error is one line, and which output files exist afterwards (no partial outputs on failure).
# usage: expect.sh [--exit N] [--stdout REGEX]... [--stderr REGEX]... [--one-line-stderr]
#                  [--absent FILE]... [--exists FILE]... [--rm FILE]... -- COMMAND...
set -u
want_exit=0; stdout_res=(); stderr_res=(); absent=(); exists=(); one_line=0
while [ $# -gt 0 ]; do
  case "$1" in
    --exit) want_exit=$2; shift 2 ;;
    --stdout) stdout_res+=("$2"); shift 2 ;;
    --stderr) stderr_res+=("$2"); shift 2 ;;
    --one-line-stderr) one_line=1; shift ;;
    --absent) absent+=("$2"); shift 2 ;;
    --exists) exists+=("$2"); shift 2 ;;
    --rm) rm -rf "$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "expect.sh: bad option $1" >&2; exit 2 ;;
  esac
done
out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
rc=$?
fail=0
report() { echo "FAIL: $*"; fail=1; }
[ "$rc" -eq "$want_exit" ] || report "exit status $rc, expected $want_exit"
for re in "${stdout_res[@]+"${stdout_res[@]}"}"; do grep -Eq -- "$re" "$out" || report "stdout does not match /$re/"; done
for re in "${stderr_res[@]+"${stderr_res[@]}"}"; do grep -Eq -- "$re" "$err" || report "stderr does not match /$re/"; done
if [ "$one_line" -eq 1 ]; then
  n=$(grep -c '' "$err"); [ "$n" -eq 1 ] || report "stderr has $n lines, expected exactly one"
fi
for f in "${absent[@]+"${absent[@]}"}"; do [ ! -e "$f" ] || report "$f exists but must not"; done
for f in "${exists[@]+"${exists[@]}"}"; do [ -s "$f" ] || report "$f missing or empty"; done
# No temporary files may be left next to expected-absent outputs.
for f in "${absent[@]+"${absent[@]}"}"; do
  ls "$f".tmp.* >/dev/null 2>&1 && report "temporary file left: $(ls "$f".tmp.*)"
done
if [ "$fail" -ne 0 ]; then
  echo "--- command: $*"; echo "--- stdout:"; head -c 4000 "$out"; echo "--- stderr:"; head -c 4000 "$err"
  exit 1
fi
exit 0
