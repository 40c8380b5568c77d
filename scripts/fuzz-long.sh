#!/usr/bin/env bash
# A fuzzing campaign beyond the corpus replay of `make test`: every libFuzzer target (ASan+UBSan
# build, build/fuzz) runs for FUZZ_SECONDS (default 600) with a memory limit, starting from its
# committed corpus; what it finds new is merged (minimized) back into tests/fuzz/corpus/TARGET
# and any crash input is kept in build/fuzz/crashes/TARGET/ (commit it as a regression input).
# Prints executions, coverage and crashes per target. Exit status 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-600}
RSS_MB=${FUZZ_RSS_MB:-2048}
status=0
printf '%-16s %12s %10s %10s %8s\n' target executions coverage features crashes
for src in tests/fuzz/*_fuzz.cpp; do
  t=$(basename "$src" _fuzz.cpp)
  bin=build/fuzz/tests/fuzz_$t
  [ -x "$bin" ] || { echo "missing $bin: run make fuzz-build" >&2; exit 2; }
  work=build/fuzz/corpus-long/$t
  crashes=build/fuzz/crashes/$t
  mkdir -p "$work" "$crashes" "tests/fuzz/corpus/$t"
  log=build/fuzz/$t-long.log
  rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb="$RSS_MB" -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  found=$(find "$crashes" -type f | wc -l)
  [ "$rc" -ne 0 ] && status=1
  # Only inputs that reach new edges go back into the committed corpus (a minimizing merge by
  # edges, not hit counts, so that the corpus stays small enough to keep in git).
  "$bin" -merge=1 -use_counters=0 -rss_limit_mb="$RSS_MB" "tests/fuzz/corpus/$t" "$work" >>"$log" 2>&1 || true
  printf '%-16s %12s %10s %10s %8s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$found"
done
exit $status
