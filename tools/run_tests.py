"""`make test`: the whole suite, its parts side by side so that both cores stay busy.

    python tools/run_tests.py                  # what make test runs
    python tools/run_tests.py --variation omp4 # nbval on this machine and on another emulated one

Parts (each in a session of its own; its whole output goes to _build/test-logs/<part>.log), in two phases:
  nbval-default nbval on every notebook, this machine as it is
  nbval-<var>   nbval on every notebook under an emulated machine (default mix; tools/portability.py --list)
  site          the site built from the stored outputs, every page in headless Chromium (mostly waits on the browser)
then, once both nbval parts have finished (whatever their outcome):
  sensitivity   every bug of tests/sensitivity_bugs.py must make nbval fail (what it proves holds because the
                nbval parts show that the unmodified notebooks pass)
  unit          pytest tests/ without the site and sensitivity tests (includes the make lab test)

Run one after another, the parts would leave a core idle for minutes (the unit tests and the browser test use about
one core). Linux gives every session an equal share of the CPU, and Jupyter starts each kernel in a session of its
own: started together with the nbval parts, the sensitivity test's kernels would stretch both long nbval parts to the
very end; the phases keep both cores busy. A part's log is printed when it fails.
Exit status 0 only if every part passed.
"""

import argparse
import os
import sys
import time

from jobs import ROOT, Job, run_jobs
from portability import VARIATIONS, describe, nbval_command, notebooks_under, variation_env

LOG_DIR = ROOT / "_build" / "test-logs"


def parts(variation, python=sys.executable):
    quick = {**os.environ, "NNDL_PROFILE": "quick", "NNDL_PROGRESS": "0"}
    pytest = [python, "-m", "pytest", "-p", "no:cacheprovider"]
    notebooks = notebooks_under()
    nbval = [Job(f"nbval-{name}", nbval_command(notebooks, python), variation_env(name),
                 about=f"{describe(name)}, {len(notebooks)} notebooks")
             for name in ["default"] + ([variation] if variation else [])]
    second_phase = tuple(job.name for job in nbval)
    return [
        Job("site", pytest + ["tests/test_site.py"], {**quick, "NNDL_SITE_STORED_OUTPUTS": "1"},
            about="site from the stored outputs + browser test"),
        *nbval,
        Job("sensitivity", pytest + ["tests/test_sensitivity.py", "-rA"], quick, after=second_phase),
        Job("unit", pytest + ["tests", "--ignore=tests/test_site.py", "--ignore=tests/test_sensitivity.py"], quick,
            after=second_phase),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variation", default="mix", choices=[v for v in VARIATIONS if v != "default"] + [""],
                        help="the emulated machine nbval also runs on (default mix; '' for none)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        outcomes = run_jobs(parts(args.variation), LOG_DIR)
    except KeyboardInterrupt as err:
        print("\nmake test interrupted; every part was stopped", file=sys.stderr)
        return 143 if str(err) == "SIGTERM" else 130
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print(f"\nmake test: {minutes} min {seconds:02d} s (load average {os.getloadavg()[0]:.1f}); logs in "
          f"{LOG_DIR.relative_to(ROOT)}/")
    for name, outcome in outcomes.items():
        verdict = "passed" if outcome.passed else "FAILED"
        print(f"  {name:15s} {verdict:7s} {outcome.seconds:5.0f} s   {outcome.summary}")
    return 0 if all(outcome.passed for outcome in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
