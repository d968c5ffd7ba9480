"""命令行 `python -m nndl.sweep --profile quick|full --workers N --out DIR [--fresh]`。

检查点写在 `DIR/checkpoints/`，每个配置每训练完一个回合写一次；同一条命令再运行一次就从检查点接着训练
（已训练完的配置直接读出），`--fresh` 删除检查点从头开始。结果写成 `DIR/losses.json`、`epoch_losses.csv`、
`step_losses.csv` 与 `epoch_losses.png`。

退出状态：0 全部训练完；1 有配置失败（其余配置的结果照常写出）；2 参数不对；3 输出目录不可写、检查点损坏
或是用别的设置写的（什么也没训练，磁盘上已有的文件不变）；130/143 被 Ctrl-C/SIGTERM 中断（到那时为止的
结果已写出，再运行同一条命令即可接着训练）。
"""

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

from ...experiment import CheckpointError
from ...experiment.store import CheckpointStore
from ...experiment.pool import default_workers
from ...profile import check_profile, current_profile, sizes
from .outputs import write_outputs
from .parallel import SweepError, configurations, sweep
from .settings import BATCH_SIZES, LEARNING_RATES, SEED, check_settings

EXIT_FAILED, EXIT_USAGE, EXIT_UNUSABLE = 1, 2, 3


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m nndl.sweep", description="第 7.2 节的批大小实验（并行版）")
    parser.add_argument("--profile", default=None, help="quick 或 full（默认读取 NNDL_PROFILE，未设置时为 quick）")
    parser.add_argument("--workers", type=int, default=None, help="工作进程数（默认为可用核数）")
    parser.add_argument("--out", required=True, help="输出目录（检查点在其中的 checkpoints/ 里）")
    parser.add_argument("--fresh", action="store_true", help="删除已有的检查点，从头开始")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--num-samples", type=int, default=None, help="覆盖 profile 的训练图像数（调试用）")
    parser.add_argument("--num-epochs", type=int, default=None, help="覆盖 profile 的回合数（调试用）")
    args = parser.parse_args(argv)
    try:
        args.profile = check_profile(args.profile) if args.profile is not None else current_profile()
        args.settings = sizes("7.2", args.profile)
        for key in ("num_samples", "num_epochs"):
            if getattr(args, key) is not None:
                args.settings[key] = getattr(args, key)
        args.workers = default_workers() if args.workers is None else args.workers
        check_settings(BATCH_SIZES, LEARNING_RATES, args.settings["num_samples"], args.settings["num_epochs"],
                       args.workers)
    except ValueError as err:
        parser.error(str(err))
    return args


def check_writable(out):
    """在训练之前确认能在 `out` 里建文件（否则训练完才发现写不出结果）。"""
    out.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(dir=out, prefix=".nndl-write-test-")
    os.close(fd)
    os.unlink(probe)


def report_checkpoints(directory, settings, args):
    """说明哪些配置将从检查点接着训练（检查点损坏或设置不同时，这里就抛出 CheckpointError）。"""
    if args.fresh or not directory.is_dir():
        return
    store = CheckpointStore(directory)
    configs = configurations(BATCH_SIZES, LEARNING_RATES, settings["num_samples"], settings["num_epochs"], args.seed)
    found = [(c, store.load(c)) for c in configs]
    done = [f"{c.name} {len(data['records'])}/{c.units} 个回合" for c, data in found if data is not None]
    if done:
        print("从检查点接着训练：" + "，".join(done), flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    out = Path(args.out)
    again = "python -m nndl.sweep " + " ".join(shlex.quote(a) for a in argv if a != "--fresh")
    try:
        check_writable(out)
    except OSError as err:
        print(f"错误：输出目录 --out {str(out)!r} 不可写：{err}。请换一个可写的目录。", file=sys.stderr)
        return EXIT_UNUSABLE
    settings = args.settings
    print(f"profile={args.profile}：{settings['num_samples']} 张训练图像 × {settings['num_epochs']} 个回合，"
          f"{len(BATCH_SIZES)} 个配置，{min(args.workers, len(BATCH_SIZES))} 个工作进程；检查点在 "
          f"{out / 'checkpoints'}" + ("（--fresh：从头开始）" if args.fresh else ""), flush=True)
    status = 0
    try:
        report_checkpoints(out / "checkpoints", settings, args)
        result = sweep(num_samples=settings["num_samples"], num_epochs=settings["num_epochs"], seed=args.seed,
                       workers=args.workers, out_dir=out / "checkpoints", fresh=args.fresh)
    except (CheckpointError, ValueError) as err:
        print(f"错误：{err}", file=sys.stderr)
        return EXIT_UNUSABLE
    except SweepError as err:
        result, status = err.results, EXIT_FAILED
        print(f"错误：{err}", file=sys.stderr)
    except KeyboardInterrupt as stop:
        result, status = getattr(stop, "results", None), 128 + int(getattr(stop, "signum", 2))
        print(f"已中断：{stop}\n继续：再运行同一条命令 {again}", file=sys.stderr)
        if result is None:
            return status
    try:
        write_outputs(result, out)
    except OSError as err:
        print(f"错误：无法写入结果文件（{err}）；每个结果文件都是原子写入的，要么是旧的完整文件，要么是新的。"
              f"训练完的回合都在检查点里，腾出空间后再运行同一条命令 {again} 即可写出结果。", file=sys.stderr)
        return EXIT_UNUSABLE
    for run in result.runs:
        last = f"{run['train_epoch_losses'][-1]:.6f}" if run["train_epoch_losses"] else "-"
        print(f"batch_size={run['batch_size']:>3} lr={run['learning_rate']:.2f}  "
              f"{len(run['train_epoch_losses'])}/{result.num_epochs} 个回合  最后一个回合损失 {last}  "
              f"训练用时 {run['seconds']:.1f} s  内存峰值 {run['peak_rss_mb']:.0f} MB"
              + ("" if run["finished"] else "  （未完成）"))
    print(f"总用时（wall time）：{result.wall_time:.1f} s；结果写入 {out}", flush=True)
    return status
