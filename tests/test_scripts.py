"""The shell scripts: named steps with a summary, and a test command that installs nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SCRIPTS = ROOT / "scripts"


def run_steps(body: str) -> subprocess.CompletedProcess[str]:
    """Run *body* in bash after sourcing ``scripts/steps.sh``, as ``scripts/run-tests`` does."""
    script = f"set -euo pipefail\nsource {SCRIPTS / 'steps.sh'}\n{body}"
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=False, timeout=60
    )


def outcomes(stdout: str) -> list[tuple[str, str]]:
    """The ``step NAME: ok|FAILED`` lines, in order."""
    return re.findall(r"^step (\S+): (ok|FAILED)", stdout, flags=re.MULTILINE)


def test_every_step_ok_gives_status_zero_and_a_summary() -> None:
    result = run_steps("step first true\nstep second echo hi\nsteps_summary")
    assert result.returncode == 0, result.stderr
    assert outcomes(result.stdout) == [("first", "ok"), ("second", "ok")]
    assert re.search(r"^all 2 steps ok in \d+s$", result.stdout, flags=re.MULTILINE)
    assert re.search(r"^ok +\d+s  second$", result.stdout, flags=re.MULTILINE)


@pytest.mark.parametrize("status", [1, 3])
def test_a_failing_step_stops_the_run_with_its_status(status: int) -> None:
    result = run_steps(
        f"step first true\nstep broken exit {status}\nstep never true\nsteps_summary"
    )
    assert result.returncode == status
    assert outcomes(result.stdout) == [("first", "ok"), ("broken", "FAILED")]
    assert "never" not in result.stdout
    assert re.search(r"^FAILED +\d+s  broken$", result.stdout, flags=re.MULTILINE)
    assert "FAILED after 2 steps" in result.stdout


def test_a_function_step_fails_at_its_first_failing_command() -> None:
    # Called as "f || ...", a function would run on past a failure: steps run it under set -e.
    body = "two_commands() { false; echo reached; }\nstep function two_commands\nsteps_summary"
    result = run_steps(body)
    assert result.returncode == 1
    assert "reached" not in result.stdout
    assert outcomes(result.stdout) == [("function", "FAILED")]


def test_the_test_command_installs_no_system_package() -> None:
    run_tests = (SCRIPTS / "run-tests").read_text(encoding="utf-8")
    assert "apt-get" not in run_tests
    assert "sudo" not in run_tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install" in ci
    assert ci.rstrip().endswith("bash scripts/run-tests")


@pytest.mark.parametrize(
    "artifact", ["crash-0a1b", "timeout-0a1b", "oom-0a1b", "leak-0a1b", "fuzz/crashes/crash-0a1b"]
)
def test_fuzzer_output_is_ignored_by_git(artifact: str) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "-q", artifact],
        check=False,
        timeout=60,
    )
    assert result.returncode == 0


def test_fuzz_smoke_writes_artifacts_outside_the_source_tree() -> None:
    smoke = (ROOT / "fuzz" / "smoke.sh").read_text(encoding="utf-8")
    prefixes = re.findall(r"-artifact_prefix=(\S+)", smoke)
    assert prefixes == ['"$artifacts/$target-"']
    assert re.search(r"^artifacts=\"\$\(mktemp -d", smoke, flags=re.MULTILINE)


def test_the_quick_loop_leaves_out_the_browser_tests() -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"),
            *("-m", "not slow", str(ROOT / "tests" / "e2e")),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
    )
    assert "test_missing_browser_fails_on_ci_and_skips_elsewhere" in result.stdout
    assert "test_log_in_upload_download_and_log_out" not in result.stdout
    assert 'pytest -m "not slow"' in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_the_demo_sample_table_marks_a_cut_name_with_an_ellipsis() -> None:
    shown = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "filenames.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    [long_row] = [row for row in shown if row.startswith("'xxx")]
    assert long_row.count("…'") == 2  # the name and its safe form, both cut
    assert all("…" not in row for row in shown if not row.startswith("'xxx"))
