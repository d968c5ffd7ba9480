"""Re-execute notebooks in place (quick profile) so that the outputs nbval compares match the current nndl.

Usage: python tools/run_notebooks.py [notebooks/NAME.ipynb ...]   (default: every notebook under notebooks/)
Cells run in the notebook's own folder, as in nbval and the site build; per-cell execution timestamps are dropped
so that a re-run changes only what really changed.
"""

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=None, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def main(argv):
    os.environ.setdefault("NNDL_PROGRESS", "0")  # no progress bars in the stored outputs
    if os.environ.setdefault("NNDL_PROFILE", "quick") != "quick":
        sys.exit("the committed outputs are the quick profile's: run with NNDL_PROFILE=quick (or unset)")
    paths = [Path(p) for p in argv] or sorted(Path(__file__).resolve().parent.parent.glob("notebooks/*.ipynb"))
    for path in paths:
        print(f"executing {path}", flush=True)
        run(path.resolve())


if __name__ == "__main__":
    main(sys.argv[1:])
