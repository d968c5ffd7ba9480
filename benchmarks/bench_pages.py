"""本章卷积网络的两种加偏置写法的速度比，以及各页重实验（运行器的训练单元格）的用时。

    .venv/bin/python benchmarks/bench_pages.py                   # 速度比 + quick profile 下各页的重实验
    .venv/bin/python benchmarks/bench_pages.py --profile full    # full profile（书中的规模，约一小时）
    .venv/bin/python benchmarks/bench_pages.py --skip-pages      # 只测速度比
    .venv/bin/python benchmarks/bench_pages.py --skip-pages --bias-drift   # 另测 (3)

(1) 每个工作进程的速度：一个单线程子进程（与运行器的工作进程相同的环境变量）轮流训练每个模型的两种写法，
    批大小 64 的 MNIST 图像，优化器与页面上相同（Adam）；每种写法测 `--rounds` 轮，每轮 `--steps` 步，取中位数。
    “Paddle 原写法”是 `paddle.nn.Conv2D`（`paddle.vision.models.LeNet` 与改动前的 `NormCNN` 用的就是它），
    “nndl.models.Conv2D”是本章现在用的写法。
(2) 各页的重实验：用 nbclient 在内存里执行每个有重实验的 notebook（与 `make book` 一样，运行器用全部核），
    按 nbclient 记录的时间戳统计调用运行器（`run(`、`sweep(`）的单元格的用时和整个 notebook 的用时。
    full profile 的检查点写在 runs/full/ 下：已有检查点时训练会接着做，用时就不代表速度，所以先确认它是空的。
(3) `--bias-drift`：两种写法各训练一次 7.5.1.5 节带 BN 的网络（quick profile，运行器在本进程里），逐个参数比较训练
    结束时的差别。只有求和顺序不同，差别大的参数就是对舍入误差敏感的参数（7.5.1.5 节的正文引用这个测量）。
机器与其他进程共用时数字会偏低：每项测量前后都记录 `uptime` 的平均负载。
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY_PAGES = ["7-2-batch-size", "7-2-exercises", "7-3-exercises", "7-4-initialization", "7-5-normalization",
               "7-6-regularization"]
HEAVY_CALL = re.compile(r"\b(run|sweep)\(")  # 调用运行器的单元格（`show_run(` 不算）
MODELS = {  # 名字 → (构建函数的说明, 学习率)
    "练习 7.5/7.6 的 LeNet": ("lenet", 0.001),
    "7.5.1.5 的网络（无规范化）": (None, 0.01),
    "7.5.1.5 的网络（BatchNorm2D）": ("bn", 0.01),
    "练习 7.8 的网络（LayerNorm）": ("ln", 0.01),
}


def load_averages():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def build(model, fast):
    """`model` 的一种写法：fast=False 时卷积层是 `paddle.nn.Conv2D`，True 时是 `nndl.models.Conv2D`。"""
    import paddle
    from paddle.vision.models import LeNet

    from nndl.models import Conv2D, lenet
    from nndl.models import NormCNN

    kind, _ = MODELS[model]
    if kind == "lenet":
        return lenet() if fast else LeNet(num_classes=10)
    net = NormCNN(kind)
    if not fast:
        for conv in (net.conv1, net.conv2):
            conv.__class__ = paddle.nn.Conv2D
    return net


def throughput_worker(steps, rounds):
    """在单线程子进程里运行：返回 {模型: {"paddle": [图像/秒, ...], "nndl": [...]}}。"""
    import paddle
    import paddle.nn.functional as F

    from nndl.data import mnist_tensors

    images, labels = mnist_tensors("train", 64 * steps)
    batches = [(images[i:i + 64], labels[i:i + 64]) for i in range(0, 64 * steps, 64)]
    trainers = {}
    for model, (_, lr) in MODELS.items():
        for fast in (False, True):
            paddle.seed(0)
            net = build(model, fast)
            optimizer = paddle.optimizer.Adam(learning_rate=lr, parameters=net.parameters())

            def epoch(net=net, optimizer=optimizer):
                for X, y in batches:
                    F.cross_entropy(net(X), y).backward()
                    optimizer.step()
                    optimizer.clear_grad()

            epoch()  # 预热：第一次前向与反向分配内存、选择算子
            trainers[model, fast] = epoch
    rates = {model: {"paddle": [], "nndl": []} for model in MODELS}
    for _ in range(rounds):  # 轮流测两种写法，机器状态的变化对两者一样
        for (model, fast), epoch in trainers.items():
            started = time.perf_counter()
            epoch()
            rates[model]["nndl" if fast else "paddle"].append(64 * steps / (time.perf_counter() - started))
    return rates


def measure_throughput(steps, rounds):
    from nndl.experiment.pool import SINGLE_THREAD_ENV

    env = {**os.environ, **SINGLE_THREAD_ENV}
    command = [sys.executable, __file__, "--throughput-worker", "--steps", str(steps), "--rounds", str(rounds)]
    before = load_averages()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"测速的子进程失败：\n{done.stderr}")
    rates = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\n(1) 每个工作进程的训练速度（单线程，批大小 64，{rounds} 轮 × {steps} 步的中位数；"
          f"负载 前 {before} 后 {load_averages()}）\n")
    print("| 模型 | Paddle 原写法（图像/秒） | nndl.models.Conv2D（图像/秒） | 速度比 |")
    print("|---|---:|---:|---:|")
    for model, by_kind in rates.items():
        old, new = statistics.median(by_kind["paddle"]), statistics.median(by_kind["nndl"])
        print(f"| {model} | {old:,.0f} | {new:,.0f} | {new / old:.2f}× |")


def measure_bias_drift():
    import numpy as np
    import paddle

    import nndl.models
    from nndl.experiment import run
    from nndl.sections.s7_5_normalization import norm_configs

    final = {}
    fast_forward = nndl.models.Conv2D.forward
    try:
        for label, forward in (("nndl", fast_forward), ("paddle", paddle.nn.Conv2D.forward)):
            nndl.models.Conv2D.forward = forward
            result = run(norm_configs("quick", norms=("bn",)), workers=0, progress=False)["bn"]
            final[label] = {k: v.numpy() for k, v in result.trainable().model.state_dict().items()}
    finally:
        nndl.models.Conv2D.forward = fast_forward
    print("\n(3) 7.5.1.5 节带 BN 的网络（quick profile）用两种写法训练后各参数的差别\n")
    print("| 参数 | 最大绝对值 | 两种写法的最大差 | 相对差 |")
    print("|---|---:|---:|---:|")
    for name, a in final["nndl"].items():
        diff, scale = float(np.abs(a - final["paddle"][name]).max()), float(np.abs(a).max())
        print(f"| {name} | {scale:.4f} | {diff:.2e} | {diff / scale:.2e} |")


def cell_seconds(cell):
    """nbclient 记下的单元格用时（秒）。"""
    from datetime import datetime

    stamps = cell.metadata.get("execution", {})
    start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def book_scale_cells(notebook):
    """“书中规模的结果”与“两种规模……”各小节（从这个标题到下一个同级或更高级的标题）里的代码单元格的序号：
    它们只读保存的结果、作图与判定。"""
    out, level = [], None
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and level is not None:
            out.append(i)
        for heading in re.finditer(r"^(#+) (.*)$", cell.source if cell.cell_type == "markdown" else "", re.M):
            if "书中规模的结果" in heading.group(2) or heading.group(2).startswith("两种规模"):
                level = len(heading.group(1))
            elif level is not None and len(heading.group(1)) <= level:
                level = None
    return out


def measure_pages(profile, pages):
    import nbformat
    from nbclient import NotebookClient

    if profile == "full" and any((ROOT / "runs" / "full").glob("*/*")):
        sys.exit("runs/full/ 里已有检查点：训练会从那里接着做，用时不代表速度。先把 runs/full/ 移走再测。")
    # 内核继承本进程的环境；这是脚本的最后一步，不必恢复
    os.environ.update({"NNDL_PROFILE": profile, "NNDL_PROGRESS": "0"})
    print(f"\n(2) 各页的重实验（{profile} profile，运行器用全部核）\n")
    print("| notebook | 重实验单元格 | 重实验用时 | 书中规模各节的用时 | notebook 用时 | 负载（前） | 负载（后） |")
    print("|---|---:|---:|---:|---:|---|---|")
    total = stored_total = 0.0
    for page in pages:  # 读入内存执行，不写回仓库里的 notebook
        notebook = nbformat.read(ROOT / "notebooks" / f"{page}.ipynb", as_version=4)
        before, started = load_averages(), time.perf_counter()
        # 与 nbval、网站构建一样在 notebooks/ 目录里执行（notebook 用相对路径找数据与 nndl）
        NotebookClient(notebook, timeout=None, kernel_name="python3", record_timing=True,
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
        seconds = time.perf_counter() - started
        heavy = [(i, cell_seconds(c)) for i, c in enumerate(notebook.cells)
                 if c.cell_type == "code" and HEAVY_CALL.search(c.source)]
        stored = sum(cell_seconds(notebook.cells[i]) for i in book_scale_cells(notebook))
        total += seconds
        stored_total += stored
        print(f"| {page} | {', '.join(str(i) for i, _ in heavy)} | {sum(s for _, s in heavy):.1f} s | {stored:.1f} s | "
              f"{seconds:.1f} s | {before} | {load_averages()} |", flush=True)
    print(f"\n这些 notebook 合计 {total:.0f} s（{total / 60:.1f} min），其中书中规模各节（读保存的结果、作图与判定）"
          f"{stored_total:.1f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=("quick", "full"), default="quick", help="各页重实验的规模（默认 quick）")
    parser.add_argument("--pages", default=",".join(HEAVY_PAGES), help="逗号分隔的 notebook 名（默认全部有重实验的页）")
    parser.add_argument("--steps", type=int, default=30, help="测速时每轮的步数（默认 30）")
    parser.add_argument("--rounds", type=int, default=7, help="测速的轮数（默认 7）")
    parser.add_argument("--skip-pages", action="store_true", help="只测每个工作进程的速度比")
    parser.add_argument("--bias-drift", action="store_true", help="另测两种写法训练出的 BN 网络各参数的差别")
    parser.add_argument("--throughput-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("steps", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} 必须是正整数，收到 {getattr(args, name)}")
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if not (ROOT / "notebooks" / f"{p}.ipynb").is_file()]
    if unknown:
        parser.error(f"--pages 里没有这些 notebook：{', '.join(unknown)}（可选：{', '.join(HEAVY_PAGES)}）")

    sys.path.insert(0, str(ROOT))
    import nndl  # noqa: F401  （先于 paddle 导入，屏蔽无关的警告）

    if args.throughput_worker:
        print(json.dumps(throughput_worker(args.steps, args.rounds)))
        return 0
    print(f"机器：{os.cpu_count()} 个逻辑 CPU；Python {sys.version.split()[0]}")
    measure_throughput(args.steps, args.rounds)
    if args.bias_drift:
        measure_bias_drift()
    if not args.skip_pages:
        measure_pages(args.profile, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
