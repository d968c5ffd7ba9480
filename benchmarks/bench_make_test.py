"""比较几个提交的 `make test`（或别的 make 目标）用时：每个提交一个新克隆，交替运行几轮。

    .venv/bin/python benchmarks/bench_make_test.py 442afe5 HEAD               # 两个提交各 3 轮 make test
    .venv/bin/python benchmarks/bench_make_test.py 442afe5 HEAD --rounds 2 --target unit

为什么交替：这台虚拟机的速度随时间漂移，同一份代码（442afe5）的 make test 在半小时内从 11 分 46 秒变到 9 分 45 秒。先跑完一个提交
的全部轮次再跑另一个，比较的就是两个时段而不是两份代码。这里按 ABBA 的顺序轮流（第 1 轮 A B，第 2 轮 B A，……），
漂移在两边抵消；结论看各提交的平均值，单独一对的比值只作参考。
每个提交克隆到 `--work` 下（默认 _build/bench-make-test/<提交>），第一次先安装它自己的 .venv（不计时）；
每次运行前删除克隆里的 _build，与 CI 的干净克隆一样。每次运行记录墙钟时间、子进程的 CPU 时间与前后的平均负载。
"""

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_pages import load_averages  # 与另外两个基准相同的平均负载格式

ROOT = Path(__file__).resolve().parent.parent


def commit_of(rev):
    """`rev` 对应的完整提交号；不是本仓库的提交时报错并写明参数。"""
    out = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"revs: {rev!r} 不是本仓库的提交")
    return out.stdout.strip()


def checkout(commit, work):
    """`commit` 的克隆（已有则复用），装好它自己的 .venv。"""
    clone = work / commit[:7]
    if not (clone / ".git").exists():
        subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", "--detach", commit], cwd=clone, check=True)
    with open(work / f"{commit[:7]}-install.log", "w") as log:
        if subprocess.run(["make", ".venv/.installed"], cwd=clone, stdout=log, stderr=subprocess.STDOUT).returncode:
            raise SystemExit(f"{commit[:7]} 的 .venv 安装失败，见 {log.name}")
    return clone


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(clone, target, log):
    """在 `clone` 里删除 _build 后运行一次 `make target`：(墙钟秒数, CPU 秒数, 退出状态)。"""
    shutil.rmtree(clone / "_build", ignore_errors=True)
    cpu, start = children_cpu(), time.monotonic()
    with open(log, "w") as out:
        status = subprocess.run(["make", target], cwd=clone, stdout=out, stderr=subprocess.STDOUT).returncode
    return time.monotonic() - start, children_cpu() - cpu, status


def order(commits, round_index):
    """ABBA：偶数轮按给定顺序，奇数轮反过来。"""
    return commits if round_index % 2 == 0 else commits[::-1]


def summary(walls, commits):
    """每个提交的平均、中位数、最小墙钟时间，以及平均值相对第一个提交的变化。"""
    base = statistics.mean(walls[commits[0]])
    lines = ["| 提交 | 轮数 | 平均 | 中位数 | 最小 | 平均值相对第一个提交 |", "| --- | --- | --- | --- | --- | --- |"]
    for commit in commits:
        w = walls[commit]
        change = statistics.mean(w) / base - 1
        lines.append(f"| {commit[:7]} | {len(w)} | {minutes(statistics.mean(w))} | {minutes(statistics.median(w))} "
                     f"| {minutes(min(w))} | {change:+.1%} |")
    return "\n".join(lines)


def minutes(seconds):
    m, s = divmod(round(seconds), 60)
    return f"{m} 分 {s:02d} 秒"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="+", help="要比较的提交（至少两个，例如 442afe5 HEAD）")
    parser.add_argument("--rounds", type=int, default=3, help="轮数（每轮每个提交运行一次；默认 3）")
    parser.add_argument("--target", default="test", help="make 目标（默认 test；unit 快得多）")
    parser.add_argument("--work", type=Path, default=ROOT / "_build" / "bench-make-test", help="放克隆的目录")
    args = parser.parse_args(argv)
    if len(args.revs) < 2:
        parser.error("revs: 至少要两个提交才有比较")
    if args.rounds < 1:
        parser.error(f"--rounds 必须是正整数，收到 {args.rounds}")
    commits = list(dict.fromkeys(commit_of(rev) for rev in args.revs))
    if len(commits) < 2:
        parser.error(f"revs: {args.revs} 是同一个提交")
    args.work.mkdir(parents=True, exist_ok=True)
    clones = {commit: checkout(commit, args.work) for commit in commits}
    print(f"make {args.target}，{args.rounds} 轮，ABBA 顺序；日志在 {args.work}/\n")
    print("| 轮 | 提交 | 墙钟 | CPU | 平均负载（前 → 后） | 结果 |\n| --- | --- | --- | --- | --- | --- |", flush=True)
    walls, failed = {commit: [] for commit in commits}, False
    for r in range(args.rounds):
        for commit in order(commits, r):
            before = load_averages()
            wall, cpu, status = timed(clones[commit], args.target, args.work / f"{commit[:7]}-round{r + 1}.log")
            walls[commit].append(wall)
            failed |= status != 0
            verdict = "通过" if status == 0 else f"失败（退出状态 {status}）"
            cells = [r + 1, commit[:7], minutes(wall), f"{round(cpu)} 秒", f"{before} → {load_averages()}", verdict]
            print("| " + " | ".join(map(str, cells)) + " |", flush=True)
    print("\n" + summary(walls, commits))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
