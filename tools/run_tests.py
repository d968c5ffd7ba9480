"""`make test`: the whole suite, its parts side by side so that both cores stay busy.

    python tools/run_tests.py                  # what make test runs
    python tools/run_tests.py --variation omp4 # nbval on this machine and on another emulated one

Parts (each in a session of its own; its whole output goes to _build/test-logs/<part>.log):
  site          the site built from the stored outputs, every page in headless Chromium (mostly waits on the browser,
                so it runs beside the others without taking a core)
  nbval-default nbval on every notebook, this machine as it is
  nbval-<var>   nbval on every notebook under an emulated machine (default mix; tools/portability.py --list)
  unit          pytest tests/ without the site, sensitivity and offline tests (includes the make lab test)
  sensitivity   every bug of tests/sensitivity_bugs.py must make nbval fail in a result cell, not in a source listing;
                its control: each involved notebook, unmodified, passes in the same copy setup up to the last cell that
                caught a bug (its log ends with the table of which cell caught each bug)
The four heavy parts take one slot each, as many slots as cores (at least 2), in this order: on 2 cores unit starts when
the first nbval part ends and sensitivity when the second does. Why not all at once: Linux gives every session an equal
share of the CPU, and Jupyter starts each kernel in a session of its own, so the sensitivity test's kernels would
stretch both long nbval parts to the very end (measured: no faster). A part's log is printed when it fails.
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
    return [
        Job("site", pytest + ["tests/test_site.py"], {**quick, "NNDL_SITE_STORED_OUTPUTS": "1"}, light=True,
            about="site from the stored outputs + browser test"),
        *nbval,
        Job("unit", pytest + ["tests", "--ignore=tests/test_site.py", "--ignore=tests/test_sensitivity.py",
                              "--ignore=tests/test_offline.py"], quick),
        Job("sensitivity", pytest + ["tests/test_sensitivity.py", "-rA"], quick),
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
