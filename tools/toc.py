"""The site's pages as _toc.yml lists them, in order (shared by the prose test, the browser test and
tools/run_cost_full.py)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files(root=ROOT):
    """Every `file` entry of _toc.yml (the root page first), as written there (usually without a suffix)."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", []))
    return files
