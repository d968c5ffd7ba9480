"""写旧检查点：包重新布局（issue 16）之前的代码（提交 4c94a10）在训练到一半时留下的检查点。

`tests/unit/test_old_checkpoint.py` 每次运行时调用 `write_old_checkpoints` 在临时目录里重新写出它们，再用今天的代码
和新的 build 路径（`nndl.experiment.config.MOVED_BUILDS`）接着训练，断言与不中断的训练逐位相同：布局改变之前
`runs/full/<name>/` 里的检查点在改变之后仍能接着训练。

为什么在测试的机器上重写，而不是提交写好的文件：检查点里的状态带着写它的那台机器的舍入。换一种 CPU（有没有
AVX-512、MKL_CBWR），同样的代码把前几个单位训练成另一些最低位（一台 AMD EPYC 上 adam-step-decay 第 1 个单位的
验证损失是 1.9655723571777344，提交的检查点接着训练出 1.9655722975730896），于是在别的机器上“接着训练等于不中断”
无从逐位比较。同一台机器上用旧代码写、用新代码接着训练，比较在任何机器上都是逐位的。

做法：用 `git archive` 取出提交 4c94a10 的 `nndl/` 与 `tests/experiment_builders.py`（第三个检查点的 build）放进
临时目录，在子进程里以它为 PYTHONPATH 运行本脚本的 `--write`：用旧代码中运行器自己的 `Live` 训练前 k 个单位，再用
`CheckpointStore.save` 写下中断的运行会留下的检查点（用时记为 0）。子进程先确认导入的 `nndl` 就是取出的旧代码、
旧的 `Config` 没有改写 build 字符串（搬家之后的代码会把它换成新路径，写出的就不再是旧检查点）。需要 Git 与包含
那个提交的历史（CI 在全新的完整克隆上运行）；没有时报错并说明怎样补上，而不是跳过。用法：

    python tools/make_old_checkpoints.py OUT_DIR
"""

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMIT = "4c94a10"  # 搬家之前的最后一个提交
OLD_FILES = ("nndl", "tests/experiment_builders.py")

# (名字, 旧的 build, 参数, 单位数, 种子, 中断前训练完的单位数)。规模很小：三个文件合计几十 KB。
OLD = [
    # 7.6 节：手写的 BatchGD（状态是参数与迭代计数 t），每个单位 50 次全批量迭代。
    ("regularization-dropout", "nndl.regularization:moons_trainable",
     {"drop_rate": 0.5, "iters_per_unit": 50, "log_every": 10}, 4, 3, 2),
    # 7.4.2.3 节：LayerTrainable + Paddle 的 SGD（优化器没有累积量），每个回合 20 步。
    ("mlp-xavier", "nndl.mlp:moons_trainable",
     {"init": "xavier_normal", "layers_size": [2, 8, 1], "num_epochs": 4, "eval_steps": 5}, 4, 1, 2),
    # build 没有搬家，但优化器有状态：Adam 的一阶、二阶矩与 β 的幂，StepDecay 的步数。保存优化器状态的写法
    # （nndl/experiment/trainables.py）改变之后，这样的旧检查点也必须能接着训练。
    ("adam-step-decay", "experiment_builders:adam_mlp", {"units": 3, "hidden": 4}, 3, 4, 1),
]


class OldCodeUnavailable(RuntimeError):
    """取不出提交 COMMIT 的代码（没有 Git，或浅克隆里没有这个提交）。"""


def old_tree(dest):
    """把提交 COMMIT 的 OLD_FILES 取到目录 `dest`。"""
    try:
        found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{COMMIT}^{{commit}}"],
                               capture_output=True, text=True)
    except FileNotFoundError:
        raise OldCodeUnavailable(f"需要 git 才能取出提交 {COMMIT} 的代码来写旧检查点") from None
    if found.returncode != 0:
        raise OldCodeUnavailable(
            f"这个克隆里没有提交 {COMMIT}（浅克隆？{found.stderr.strip()}）：旧检查点要用它的代码写。"
            f"补上历史：git -C {ROOT} fetch --unshallow（或 git fetch origin {COMMIT}）")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", COMMIT, *OLD_FILES],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))


def write_old_checkpoints(out):
    """在 `out` 里写出 OLD 的旧检查点（用提交 COMMIT 的代码，在子进程里）。返回子进程的输出。"""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="nndl-old-") as tree:
        old_tree(tree)
        # One thread, as today's runner trains every unit (nndl.experiment.pool.single_threaded); the old Live
        # trained with the caller's threads, and with more of them Paddle rounds differently.
        env = {**os.environ, "PYTHONPATH": tree, "NNDL_MNIST_DIR": str(ROOT / "data" / "mnist"), "OMP_NUM_THREADS": "1"}
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--write", str(out), tree], cwd=tree,
                              env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"用提交 {COMMIT} 的代码写旧检查点失败：\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _write(out, tree):
    """子进程：已在 PYTHONPATH 上的旧代码写检查点。"""
    tree = Path(tree).resolve()
    sys.path.insert(0, str(tree / "tests"))  # 旧的 experiment_builders（第三个检查点的 build）
    import nndl
    from nndl.experiment import Config
    from nndl.experiment.pool import Live
    from nndl.experiment.store import CheckpointStore

    if tree not in Path(nndl.__file__).resolve().parents:
        sys.exit(f"导入的 nndl 来自 {nndl.__file__}，不是提交 {COMMIT} 的代码（{tree}）")
    store = CheckpointStore(out)
    for name, build, params, units, seed, done in OLD:
        config = Config(name, build, params, units=units, seed=seed)
        if config.build != build:
            sys.exit(f"Config 把旧的 build {build!r} 换成了 {config.build!r}：这是搬家之后的代码，写不出旧检查点")
        live = Live(config)
        records = [live.train_unit(u) for u in range(done)]
        store.save(config, records, live.state_dict(), 0.0, live.unit_cost)
        print(f"{store.path(config).name}: {done}/{units} 个单位，{store.path(config).stat().st_size} 字节")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 4:
        _write(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        try:
            print(write_old_checkpoints(sys.argv[1]), end="")
        except OldCodeUnavailable as err:
            sys.exit(str(err))
    else:
        sys.exit(__doc__)
