#!/usr/bin/env bash
# A short, bounded run of every fuzz harness over its seed corpus, for CI: it
# catches a regression of a known invariant; the long runs that find new bugs
# are manual (fuzz/README.md). Usage: bash fuzz/smoke.sh [inputs per harness]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20000}"
work="$(mktemp -d)"
# Crash, timeout, oom and leak inputs go to a temporary folder, not into the source tree;
# it is removed at the end unless a harness failed and left its input there.
artifacts="$(mktemp -d -t safename-fuzz-artifacts.XXXXXX)"
trap 'rm -rf "$work"; rmdir "$artifacts" 2>/dev/null || true' EXIT
for harness in fuzz/fuzz_*.py; do
    target="$(basename "$harness" .py)"
    target="${target#fuzz_}"
    case "$target" in
        secure_filename | validate_filename) seeds=(fuzz/corpus/names) ;;
        safe_join) seeds=(fuzz/corpus/paths fuzz/corpus/names) ;;
        *) seeds=("fuzz/corpus/$target") ;;
    esac
    # New inputs go to the first folder, a scratch one: the seed corpus stays as committed.
    mkdir "$work/$target"
    if ! .venv/bin/python "$harness" -runs="$runs" -timeout=10 \
        -artifact_prefix="$artifacts/$target-" "$work/$target" "${seeds[@]}" \
        >"$work/$target.log" 2>&1; then
        tail -n 40 "$work/$target.log"
        echo "fuzz smoke: $target FAILED; the input is in $artifacts/ (see fuzz/README.md)"
        exit 1
    fi
    echo "fuzz smoke: $target: $(grep DONE "$work/$target.log" | tr '\t' ' ')"
done
