"""第 7.2 节批大小实验：书中的流水线（顺序）与 `nndl.sweep`（并行）在同一个缩小的工作量上对比。

    .venv/bin/python benchmarks/bench_sweep.py                 # 五个配置 × 2 轮 × 10000 张图像
    .venv/bin/python benchmarks/bench_sweep.py --measure-full  # 另外实测 full profile（书中的完整实验）

(a) 书中的流水线：`nndl.data.load_mnist('train', transform=mnist_transform)` 取前 N 张（`paddle.io.Subset`），
    `paddle.io.DataLoader(batch_size=..., shuffle=False)`，`RunnerV3`，一个配置接一个配置，在本进程里，
    Paddle 默认的线程设置；
(b) `nndl.sections.s7_2_batch_size.sweep`（即 `nndl.sweep`）：经实验运行器 `nndl.experiment`，每核一个单线程工作进程，数据是内存中规范化好的张量。
两者都从 `paddle.seed(0)` 初始化每个模型，并且规范化方式相同，所以每轮损失应当一致（表中给出最大差）。
机器与其他进程共用，每次测量前后都记录 `uptime` 的平均负载。
"""

import argparse
import os
import platform
import sys
import time

import nndl  # noqa: F401  （先于 paddle 导入，屏蔽无关的 ccache 警告）
import paddle

from nndl.profile import sizes
from nndl.sections.s7_2_batch_size import BATCH_SIZES, LEARNING_RATES, default_workers, sweep


def load_averages():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def book_pipeline(num_samples, num_epochs, seed=0):
    """书中的做法，逐个配置训练；返回 (每个配置的每轮损失, 用时)。"""
    import paddle.nn.functional as F
    from paddle.vision.models import LeNet

    from nndl import RunnerV3
    from nndl.data import load_mnist, mnist_transform

    started = time.perf_counter()
    dataset = paddle.io.Subset(load_mnist("train", transform=mnist_transform), list(range(num_samples)))
    epoch_losses = []
    for batch_size, lr in zip(BATCH_SIZES, LEARNING_RATES):
        paddle.seed(seed)
        loader = paddle.io.DataLoader(dataset, batch_size=batch_size, shuffle=False)
        model = LeNet(num_classes=10)
        optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())
        runner = RunnerV3(model, optimizer, F.cross_entropy, None)
        runner.train(loader, num_epochs=num_epochs, log_steps=0)
        epoch_losses.append(runner.train_epoch_losses)
    return epoch_losses, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=10000, help="缩小工作量的训练图像数（默认 10000）")
    parser.add_argument("--epochs", type=int, default=2, help="缩小工作量的轮数（默认 2）")
    parser.add_argument("--workers", type=int, default=None, help="并行版的工作进程数（默认为可用核数）")
    parser.add_argument("--measure-full", action="store_true", help="另外实测 full profile 的总用时")
    parser.add_argument("--skip-book", action="store_true", help="不运行 (a)（只测并行版）")
    parser.add_argument("--also-one-worker", action="store_true",
                        help="另外用 1 个工作进程运行 (b)，把内存数据的收益与并行的收益分开")
    args = parser.parse_args()

    workers = args.workers or default_workers()
    n_configs = len(BATCH_SIZES)
    images = n_configs * args.samples * args.epochs
    full = sizes("7.2", "full")
    full_images = n_configs * full["num_samples"] * full["num_epochs"]
    print(f"机器：{default_workers()} 个可用核（{os.cpu_count()} 个逻辑 CPU），{cpu_model()}；"
          f"Python {platform.python_version()}，Paddle {paddle.__version__}")
    print(f"工作量：{n_configs} 个配置 × {args.samples} 张 × {args.epochs} 轮 = {images} 张图像；并行版 {workers} 个工作进程")
    rows = []

    book_rate = None
    if not args.skip_book:
        before = load_averages()
        book_losses, book_time = book_pipeline(args.samples, args.epochs)
        book_rate = images / book_time
        rows.append(("(a) 书中流水线，顺序", f"{book_time:.1f} s", f"{book_rate:,.0f}", "", before, load_averages()))
        print(f"(a) 完成：{book_time:.1f} s", flush=True)

    if args.also_one_worker:
        before = load_averages()
        one = sweep(num_samples=args.samples, num_epochs=args.epochs, workers=1)
        rate = images / one.wall_time
        rows.append(("(b1) nndl.sweep，1 进程", f"{one.wall_time:.1f} s", f"{rate:,.0f}",
                     f"{rate / book_rate:.2f}" if book_rate else "", before, load_averages()))

    before = load_averages()
    result = sweep(num_samples=args.samples, num_epochs=args.epochs, workers=workers)
    sweep_rate = images / result.wall_time
    ratio = f"{sweep_rate / book_rate:.2f}" if book_rate else ""
    rows.append((f"(b) nndl.sweep，{result.workers} 进程", f"{result.wall_time:.1f} s", f"{sweep_rate:,.0f}", ratio,
                 before, load_averages()))
    peak = max(run["peak_rss_mb"] for run in result.runs)

    # 预计 full profile：按 (b) 中每个配置的训练速度放大，再平分给工作进程，加上 (b) 里训练以外的开销。
    scale = (full["num_samples"] * full["num_epochs"]) / (args.samples * args.epochs)
    train_cpu = sum(run["seconds"] for run in result.runs)
    overhead = max(0.0, result.wall_time - train_cpu / result.workers)
    projected = train_cpu * scale / result.workers + overhead

    print()
    print("| 方法 | 用时 | 图像/秒 | b/a | 负载（前） | 负载（后） |")
    print("|---|---:|---:|---:|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    if book_rate:
        diff = max(abs(x - y) for book, run in zip(book_losses, result.runs)
                   for x, y in zip(book, run["train_epoch_losses"]))
        print(f"(a) 与 (b) 每轮损失的最大差：{diff:.3g}")
    print("(b) 各配置训练用时（s）：" + "，".join(f"bs={r['batch_size']} {r['seconds']:.1f}" for r in result.runs))
    print(f"每个工作进程的内存峰值（缩小工作量）：{peak:.0f} MB")
    print(f"预计 full profile（{full_images:,} 张图像，{result.workers} 进程）：{projected / 60:.1f} min")

    if args.measure_full:
        before = load_averages()
        full_result = sweep(profile="full", workers=workers, progress=True)
        full_peak = max(run["peak_rss_mb"] for run in full_result.runs)
        print(f"实测 full profile：{full_result.wall_time / 60:.1f} min（{full_result.wall_time:.0f} s，"
              f"{full_images / full_result.wall_time:,.0f} 图像/秒），每个工作进程的内存峰值 {full_peak:.0f} MB；"
              f"负载 前 {before} 后 {load_averages()}")
        print("full profile 每个配置最后一轮损失：" + "，".join(
            f"bs={r['batch_size']} {r['train_epoch_losses'][-1]:.4f}" for r in full_result.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
