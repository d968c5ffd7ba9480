"""写 tests/data/old_checkpoints/ 里的检查点：包重新布局（issue 16）之前的代码、在训练到一半时留下的检查点。

`tests/unit/test_old_checkpoint.py` 用新的 build 路径（`nndl.experiment.config.MOVED_BUILDS`）从这些文件接着训练，
断言结果与不中断的训练逐位相同：布局改变之前 `runs/full/<name>/` 里的检查点在改变之后仍能接着训练。

写法与 tests/unit/test_experiment.py 中 `test_resuming_from_checkpoints_equals_an_uninterrupted_run` 相同：用运行器
自己的 `Live` 训练前 k 个单位，再用 `CheckpointStore.save` 写下中断的运行会留下的检查点（用时记为 0）。

这些文件只能用**搬家之前**的代码写（fixture 的 README 写明是哪个提交）：之后的 `Config` 会把旧的 build 字符串
换成新的，写出的就不再是旧检查点，所以那时本脚本拒绝运行。用法（在那个提交的工作树里）：

    PYTHONPATH=. python tools/make_old_checkpoints.py
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # experiment_builders（第三个检查点的 build）在 tests/ 里

from nndl.experiment import Config  # noqa: E402
from nndl.experiment.pool import Live  # noqa: E402
from nndl.experiment.store import CheckpointStore  # noqa: E402

OUT = ROOT / "tests" / "data" / "old_checkpoints"

# (配置, 中断前训练完的单位数)。规模很小：三个文件合计几十 KB。
OLD = [
    # 7.6 节：手写的 BatchGD（状态是参数与迭代计数 t），每个单位 50 次全批量迭代。
    (Config("regularization-dropout", "nndl.regularization:moons_trainable",
            {"drop_rate": 0.5, "iters_per_unit": 50, "log_every": 10}, units=4, seed=3), 2),
    # 7.4.2.3 节：LayerTrainable + Paddle 的 SGD（优化器没有累积量），每个回合 20 步。
    (Config("mlp-xavier", "nndl.mlp:moons_trainable",
            {"init": "xavier_normal", "layers_size": [2, 8, 1], "num_epochs": 4, "eval_steps": 5}, units=4, seed=1),
     2),
    # build 没有搬家，但优化器有状态：Adam 的一阶、二阶矩与 β 的幂，StepDecay 的步数。保存优化器状态的写法
    # （nndl/experiment/trainables.py）改变之后，这样的旧检查点也必须能接着训练。
    (Config("adam-step-decay", "experiment_builders:adam_mlp", {"units": 3, "hidden": 4}, units=3, seed=4), 1),
]


def commit():
    """当前的提交（工作树有改动时加上 +dirty），写进 README。"""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "nndl"], cwd=ROOT, capture_output=True, text=True)
    return head.strip() + ("+dirty" if dirty.stdout.strip() else "")


def main():
    moved = [config.build for config, _ in OLD if config.build.startswith("nndl.sections.")]
    if moved:
        sys.exit(f"Config 已把旧的 build 换成了 {moved}：这里的代码已经搬过家，写不出旧检查点")
    if OUT.exists():
        shutil.rmtree(OUT)
    store = CheckpointStore(OUT)
    for config, done in OLD:
        live = Live(config)
        records = [live.train_unit(u) for u in range(done)]
        store.save(config, records, live.state_dict(), 0.0, live.unit_cost)
        print(f"{store.path(config).name}: {done}/{config.units} 个单位，{store.path(config).stat().st_size} 字节")
    (OUT / "README.md").write_text(
        f"包重新布局（issue 16）之前的检查点，由 `tools/make_old_checkpoints.py` 在提交 {commit()} 写出"
        "（训练到一半时中断的运行留下的文件）；`tests/unit/test_old_checkpoint.py` 用新的 build 路径从它们接着训练。\n",
        encoding="utf-8")


if __name__ == "__main__":
    main()
