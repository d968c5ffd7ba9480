"""把一次 `make book PROFILE=full` 的执行统计写进 book/_data/run_cost_full.yml（简介页用时表的 full 一栏）。

MyST-NB 执行完每个 notebook 后在构建日志里写一行 "<路径>.ipynb: Executed notebook in <秒> seconds"；本脚本从
日志里取这些行。构建没有跑完时（被中断、超时），没有执行完的 notebook 记为 null，表里写“未测完”。

    (uptime; date -u; nice -n 10 make book PROFILE=full; uptime; date -u) > full.log 2>&1
    .venv/bin/python tools/run_cost_full.py full.log --date 2026-11-29 --machine "2 核 Intel Xeon，24 GB 内存" \\
        --load "构建期间机器上还有其他任务（负载约 15）"

full 规模的重实验有检查点（runs/full/）：要测从头执行的用时，先删掉 runs/full/。
"""

import argparse
import re
import sys
from pathlib import Path

import yaml

from toc import toc_files

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "book" / "_data" / "run_cost_full.yml"
EXECUTED = re.compile(r"(notebooks/[\w.-]+)\.ipynb: Executed notebook in ([\d.]+) seconds")


def toc_notebooks():
    """The notebooks in _toc.yml's order, without suffix: ["notebooks/7-2-batch-size", ...]."""
    return [str(Path(name).with_suffix("")) for name in toc_files(ROOT) if str(name).startswith("notebooks/")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", type=Path, help="make book PROFILE=full 的完整输出")
    parser.add_argument("--date", required=True, help="测量的日期（UTC）")
    parser.add_argument("--machine", required=True, help="机器：核数、CPU、内存")
    parser.add_argument("--load", required=True, help="测量时机器上的其他负载")
    args = parser.parse_args(argv)
    if not args.log.is_file():
        parser.error(f"log：找不到构建日志 {args.log}")
    seconds = {name: float(value) for name, value in EXECUTED.findall(args.log.read_text(encoding="utf-8"))}
    notebooks = toc_notebooks()
    data = {"date": args.date, "machine": args.machine, "load": args.load,
            "seconds": {name: (round(seconds[name], 1) if name in seconds else None) for name in notebooks}}
    header = ("# 简介页用时表的 full 一栏：一次 make book PROFILE=full 的执行统计（MyST-NB 记录的每个 notebook 的\n"
              "# 执行用时，秒），由 tools/run_cost_full.py 从构建日志写出；null 表示那次构建没有执行完这个 notebook。\n")
    OUT.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = sum(value is not None for value in data["seconds"].values())
    print(f"{OUT.relative_to(ROOT)}：{done}/{len(notebooks)} 个 notebook 有 full 规模的用时")
    return 0


if __name__ == "__main__":
    sys.exit(main())
