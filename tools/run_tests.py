"""`make test`: the whole suite, its parts side by side so that both cores stay busy.

    python tools/run_tests.py                  # what make test runs
    python tools/run_tests.py --variation omp4 # nbval on this machine and on another emulated one

Parts (each in a session of its own; its whole output goes to _build/test-logs/<part>.log):
  site          the site built from the stored outputs, every page in headless Chromium (mostly waits on the browser,
                so it runs beside the others without taking a core)
  control       nbval on every notebook, this machine as it is, in the sensitivity test's copy setup: the test's
                control (tests/system/test_sensitivity.py -k test_unmodified_copy_passes; an unmodified project copy,
                its own nndl on the kernel's path, data/ a symlink, show-source listings not compared, NNDL_WORKERS=0),
                so the control costs no extra run; it stops a notebook at its first failing cell
  nbval-<var>   nbval on every notebook under an emulated machine (default mix; tools/portability.py --list), run as a
                learner runs it: in the repository, listings compared, experiments in a worker process
  unit          pytest tests/unit (what make unit runs) and the tests of tests/system that are no part of their own:
                the make lab test, the show-source tags, the sensitivity test's nbval queue (tests/system/ minus
                OWN_PARTS below, so that a new system test runs here unless it is given a part of its own)
  sensitivity   every bug of tests/sensitivity_bugs.py must make nbval fail in a result cell, not in a source listing
                (its log ends with the table of which cell caught each bug, and after how many seconds)
The four heavy parts take one slot each, as many slots as cores (at least 2), in this order: on 2 cores unit starts
when the first of control and nbval-<var> ends, sensitivity (last: its two processes share a queue and fill whatever
the others leave idle) when the second does. Why not all at once: Linux gives every
session an equal share of the CPU, and Jupyter starts each kernel in a session of its own, so the sensitivity test's
kernels would stretch both long nbval parts to the very end (measured: no faster). A part's log is printed when it
fails.
Exit status 0 only if every part passed.
"""

import argparse
import os
import sys
import time

from jobs import ROOT, Job, run_jobs
from portability import VARIATIONS, describe, nbval_command, notebooks_under, variation_env

LOG_DIR = ROOT / "_build" / "test-logs"
# tests/system/ 中自成一部分（或属于另一个 make 目标）的测试；其余的与 tests/unit 一起在 unit 那一部分运行。
OWN_PARTS = {"test_site.py": "site", "test_sensitivity.py": "control, sensitivity", "test_offline.py": "make offline"}


def system_tests_with_unit(root=ROOT):
    """tests/system/ 中在 unit 那一部分运行的测试文件（相对路径）：不在 OWN_PARTS 里的全部。"""
    return sorted(str(p.relative_to(root)) for p in (root / "tests" / "system").glob("test_*.py")
                  if p.name not in OWN_PARTS)


def parts(variation, python=sys.executable):
    quick = {**os.environ, "NNDL_PROFILE": "quick", "NNDL_PROGRESS": "0"}
    pytest = [python, "-m", "pytest", "-p", "no:cacheprovider"]
    notebooks = notebooks_under()
    control = "test_unmodified_copy_passes or test_copy_imports_its_own_nndl"
    with_unit = system_tests_with_unit()
    nbval = [Job(f"nbval-{variation}", nbval_command(notebooks, python), variation_env(variation),
                 about=f"{describe(variation)}, {len(notebooks)} notebooks")] if variation else []
    return [
        Job("site", pytest + ["tests/system/test_site.py"], {**quick, "NNDL_SITE_STORED_OUTPUTS": "1"}, light=True,
            about="site from the stored outputs + browser test"),
        Job("control", pytest + ["tests/system/test_sensitivity.py", "-s", "-k", control],
            {**variation_env("default"), "NNDL_SENSITIVITY_JOBS": "1"},
            about=f"nbval on this machine as it is, {len(notebooks)} notebooks in the sensitivity test's copy setup"),
        *nbval,
        Job("unit", pytest + ["tests/unit", *with_unit], quick,
            about="tests/unit + " + ", ".join(os.path.basename(p) for p in with_unit)),
        Job("sensitivity", pytest + ["tests/system/test_sensitivity.py", "-rA", "-k", f"not ({control})"], quick),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variation", default="mix", choices=[v for v in VARIATIONS if v != "default"] + [""],
                        help="the emulated machine nbval also runs on (default mix; '' for none)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        outcomes = run_jobs(parts(args.variation), LOG_DIR, slots=max(2, os.cpu_count() or 1))
    except KeyboardInterrupt as err:
        print("\nmake test interrupted; every part was stopped", file=sys.stderr)
        return 143 if str(err) == "SIGTERM" else 130
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print(f"\nmake test: {minutes} min {seconds:02d} s (load average {os.getloadavg()[0]:.1f}); logs in "
          f"{LOG_DIR.relative_to(ROOT)}/")
    print(f"  {'part':15s} {'verdict':7s} {'wall':>7s} {'CPU':>7s}")
    for name, outcome in outcomes.items():
        verdict = "passed" if outcome.passed else "FAILED"
        print(f"  {name:15s} {verdict:7s} {outcome.seconds:5.0f} s {outcome.cpu_seconds:5.0f} s   {outcome.summary}")
    return 0 if all(outcome.passed for outcome in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
