"""tools/jobs.py, the side-by-side runner behind `make test` and `make portability`."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from jobs import Job, run_jobs  # noqa: E402
from processes import group_is_gone  # noqa: E402


def python(code):
    return [sys.executable, "-c", code]


def stamp(path, seconds=0.0):
    """A command that records when it started and ended in `path`."""
    return python(f"import time; s = time.time(); time.sleep({seconds}); open({str(path)!r}, 'w').write(f'{{s}} {{time.time()}}')")


def span(path):
    start, end = map(float, Path(path).read_text().split())
    return start, end


def test_jobs_run_side_by_side_and_after_waits(tmp_path):
    a, b, c = (tmp_path / n for n in "abc")
    outcomes = run_jobs([Job("a", stamp(a, 1.0)), Job("b", stamp(b, 1.0)), Job("c", stamp(c), after=("a", "b"))],
                        tmp_path / "logs")
    assert list(outcomes) == ["a", "b", "c"] and all(o.passed for o in outcomes.values())
    (a0, a1), (b0, b1), (c0, _) = span(a), span(b), span(c)
    assert b0 < a1 and a0 < b1, "a and b should overlap"
    assert c0 >= max(a1, b1), "c must start after a and b ended"


def test_slots_limit_how_many_run_at_once(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run_jobs([Job("a", stamp(a, 0.5)), Job("b", stamp(b, 0.5))], tmp_path / "logs", slots=1)
    assert span(b)[0] >= span(a)[1]


def test_a_light_job_needs_no_slot(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run_jobs([Job("a", stamp(a, 0.5)), Job("b", stamp(b, 0.5), light=True)], tmp_path / "logs", slots=1)
    (a0, a1), (b0, b1) = span(a), span(b)
    assert b0 < a1 and a0 < b1, "the light job should run beside the one holding the only slot"


def test_cpu_time_counts_the_children_it_waited_for(tmp_path):
    burn = "import time; t = time.process_time(); exec('while time.process_time() - t < 0.6: pass')"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}])"
    outcomes = run_jobs([Job("burns", python(child)), Job("sleeps", python("import time; time.sleep(0.6)"))],
                        tmp_path / "logs")
    assert outcomes["burns"].cpu_seconds >= 0.6
    assert outcomes["sleeps"].cpu_seconds < 0.3 and outcomes["sleeps"].seconds >= 0.6


def test_a_failure_is_reported_with_its_log_and_does_not_stop_the_others(tmp_path, capsys):
    outcomes = run_jobs([Job("bad", python("print('the output of bad'); raise SystemExit(3)")),
                         Job("good", python("print('1 passed')"), after=("bad",))], tmp_path / "logs")
    assert outcomes["bad"].code == 3 and not outcomes["bad"].passed
    assert outcomes["good"].passed and outcomes["good"].summary == "1 passed"
    assert (tmp_path / "logs" / "bad.log").read_text() == "the output of bad\n"
    out = capsys.readouterr().out
    assert "[bad] FAILED (exit 3)" in out and "the output of bad" in out and "[good] passed" in out


def test_bad_job_lists_are_refused(tmp_path):
    with pytest.raises(ValueError, match="distinct"):
        run_jobs([Job("a", python("")), Job("a", python(""))], tmp_path)
    with pytest.raises(ValueError, match="'after'.*missing"):
        run_jobs([Job("a", python(""), after=("missing",))], tmp_path)


# The runner stands for `make test` started from a terminal, where Ctrl-C raises KeyboardInterrupt. A process started
# in the background of a shell without job control inherits SIGINT as ignored (and Python then keeps it ignored), so
# the runner restores Python's handler itself: otherwise the SIGINT case fails whenever pytest was launched that way.
RUNNER = """
import signal
import sys
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {tools!r})
from jobs import Job, run_jobs
child = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); time.sleep(600)"
try:
    run_jobs([Job("sleeper", [sys.executable, "-c", child])], {logs!r})
except KeyboardInterrupt as err:
    print("interrupted", err, flush=True)
    sys.exit(130)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_ends_every_running_job_with_its_children(tmp_path, sig):
    tools = str(Path(__file__).resolve().parents[2] / "tools")
    runner = subprocess.Popen([sys.executable, "-c", RUNNER.format(tools=tools, logs=str(tmp_path / "logs"))],
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    pgids = set()
    while time.monotonic() < deadline and not pgids:
        children = subprocess.run(["ps", "-o", "pid=,pgid=", "--ppid", str(runner.pid)], capture_output=True,
                                  text=True).stdout.split()
        pgids = {int(children[i + 1]) for i in range(0, len(children), 2)}
        time.sleep(0.1)
    assert pgids, "the job did not start"
    time.sleep(1.0)  # let the job start its own child
    os.kill(runner.pid, sig)
    out, _ = runner.communicate(timeout=30)
    assert runner.returncode == 130 and "interrupted" in out
    assert all(group_is_gone(pgid) for pgid in pgids), "a job's process group is still running"
