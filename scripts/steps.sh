# Named steps for the scripts in this folder (sourced, not run).
#
#   step NAME COMMAND [ARGUMENT...]   run COMMAND; print "step NAME: ok (Ns)" or FAILED
#   steps_summary                     print every step's outcome and the total time
#
# A failing step prints the summary and exits with the step's status, as set -e would.
# COMMAND may be a shell function: it runs in a subshell with set -e, so its first
# failing command fails the step (a function called as "f || ..." would ignore set -e).

_steps=()
_steps_start=$SECONDS

step() {
    local name="$1" start=$SECONDS status=0
    shift
    echo "==> step $name: $*"
    set +e
    (
        set -e
        "$@"
    )
    status=$?
    set -e
    local seconds=$((SECONDS - start))
    if [ "$status" -eq 0 ]; then
        _steps+=("ok      $(printf '%5d' "$seconds")s  $name")
        echo "step $name: ok (${seconds}s)"
        return 0
    fi
    _steps+=("FAILED  $(printf '%5d' "$seconds")s  $name")
    echo "step $name: FAILED with status $status (${seconds}s)"
    steps_summary
    exit "$status"
}

steps_summary() {
    local line failed=0
    echo "---- summary ----"
    for line in "${_steps[@]}"; do
        echo "$line"
        if [ "${line%% *}" = FAILED ]; then failed=1; fi
    done
    local total=$((SECONDS - _steps_start))
    if [ "$failed" -eq 0 ]; then
        echo "all ${#_steps[@]} steps ok in ${total}s"
    else
        echo "FAILED after ${#_steps[@]} steps in ${total}s"
    fi
}
