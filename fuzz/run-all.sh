#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 600) and prints, per target, the inputs
# executed and whether it found a crash. Needs cargo-fuzz; the stable toolchain accepts its
# nightly flags with RUSTC_BOOTSTRAP=1. Seeds come from ./seed.sh (run it first).
#
#   ./run-all.sh 600            # every target, 10 minutes each
#   ./run-all.sh 60 xml redact  # some targets, 1 minute each
set -uo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
shift || true
TARGETS=${*:-"parse eval render workflow check xml http_response connector flowtest_file junit repl cli_args redact project source"}
export RUSTC_BOOTSTRAP=1
RUSTC_BOOTSTRAP=1 cargo fuzz build -O --debug-assertions >/dev/null 2>&1 || { echo "the fuzz targets do not build"; exit 2; }
mkdir -p logs
printf '%-15s %12s %8s %s\n' target executions crashes note
status=0
for t in $TARGETS; do
  mkdir -p "corpus/$t" "seeds/$t"
  dict=""
  case $t in parse|eval|render|repl) dict="-dict=wdl.dict" ;; esac
  # -timeout: an input that runs longer than 30 s is reported (the runner's own limits
  # end every loop and wait well before); -rss_limit_mb: 2 GB per input.
  cargo fuzz run -O --debug-assertions "$t" "corpus/$t" "seeds/$t" -- $dict \
    -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    >"logs/$t.log" 2>&1
  code=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(ls artifacts/"$t" 2>/dev/null | grep -c -E '^(crash|timeout|oom|leak)-' || true)
  note=""
  [ "$code" -ne 0 ] && { note="exit $code, see fuzz/logs/$t.log"; status=1; }
  printf '%-15s %12s %8s %s\n' "$t" "${execs:-?}" "$crashes" "$note"
done
exit $status
