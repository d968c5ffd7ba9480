"""Run commands side by side: each in a session of its own, its whole output in a log file.

A job starts when a slot is free (a `light` job, one that mostly waits, needs none) and every job named in its `after`
has finished; each job's CPU time (its own and that of every descendant it waited for) is measured; Ctrl-C or SIGTERM
ends every running job's process group and re-raises. (On Linux every session is a scheduler autogroup with an equal
share of the CPU; Jupyter starts each kernel in a session of its own too, so `nice` on a job would not reach its
kernels.)

Used by tools/portability.py (nbval under several emulated machines) and tools/run_tests.py (`make test`).
"""

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL = 0.5  # seconds between looks at the running jobs


@dataclass
class Job:
    name: str
    command: list
    env: dict = None  # the whole environment of the job (None: this process's)
    about: str = ""  # printed when the job starts
    after: tuple = ()  # names of jobs that must finish first (their outcome does not matter)
    light: bool = False  # True: mostly waits (a browser, a server), runs without taking a slot


@dataclass
class Outcome:
    code: int = None  # exit status
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system, the job and the descendants it waited for
    log: Path = None
    summary: str = ""

    @property
    def passed(self):
        return self.code == 0


def last_line(text):
    lines = text.strip().splitlines()
    return lines[-1].strip("= ") if lines else ""


def _raise_on_sigterm(signum, frame):
    raise KeyboardInterrupt("SIGTERM")


def _stop(running, sig):
    for _, proc, _, _ in running.values():
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


def _end_all(running):
    """SIGTERM to every running job's group; SIGKILL to what is still there after 10 s."""
    _stop(running, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(proc.poll() is None for _, proc, _, _ in running.values()):
        time.sleep(0.2)
    _stop(running, signal.SIGKILL)
    for _, proc, log, _ in running.values():
        proc.wait()
        log.close()


def run_jobs(jobs, log_dir, slots=None, cwd=ROOT):
    """Run `jobs` (at most `slots` at a time; None: no limit). Returns {name: Outcome} in the jobs' order."""
    names = [job.name for job in jobs]
    if len(set(names)) != len(names):
        raise ValueError(f"job names must be distinct: {names}")
    unknown = {name for job in jobs for name in job.after} - set(names)
    if unknown:
        raise ValueError(f"'after' names jobs that do not exist: {sorted(unknown)}")
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    outcomes = {}
    pending, running = list(jobs), {}

    old_handler = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        while pending or running:
            free = None if slots is None else slots - sum(not job.light for job, *_ in running.values())
            for job in [job for job in pending if all(name in outcomes for name in job.after)]:
                if not job.light and free is not None:
                    if free <= 0:
                        continue
                    free -= 1
                pending.remove(job)
                log = open(log_dir / f"{job.name}.log", "w")
                print(f"[{job.name}] started{': ' + job.about if job.about else ''}", flush=True)
                proc = subprocess.Popen(job.command, cwd=cwd, env=job.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
                running[job.name] = (job, proc, log, time.monotonic())
            time.sleep(POLL)
            for name, (job, proc, log, started) in list(running.items()):
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # poll(), plus the CPU time
                if pid == 0:
                    continue
                proc.returncode = os.waitstatus_to_exitcode(status)
                log.close()
                del running[name]
                path = log_dir / f"{name}.log"
                text = path.read_text(errors="replace")
                outcome = Outcome(proc.returncode, time.monotonic() - started, usage.ru_utime + usage.ru_stime, path,
                                  last_line(text))
                outcomes[name] = outcome
                verdict = "passed" if outcome.passed else f"FAILED (exit {proc.returncode})"
                print(f"[{name}] {verdict} in {outcome.seconds:.0f} s ({outcome.cpu_seconds:.0f} s of CPU): "
                      f"{outcome.summary}", flush=True)
                if not outcome.passed:
                    print(f"----- {path} -----\n{text}----- end of {path.name} -----", flush=True)
    except KeyboardInterrupt:
        _end_all(running)
        raise
    finally:
        signal.signal(signal.SIGTERM, old_handler)
    return {name: outcomes[name] for name in names}
