"""第 7.2 节批大小实验的快速版本：几组（批大小, 学习率）配置在多个工作进程里并行训练。

书中的做法是逐个配置训练：`paddle.vision.datasets.MNIST` 逐样本调用 `transform`，`paddle.io.DataLoader`
组批，一个配置跑完再跑下一个。这里优化器、损失函数和 `RunnerV3` 都与书中相同，改了三件事：

1. 数据：每个工作进程把 MNIST 一次读成一个规范化好的张量（`nndl.data.load_mnist_arrays` 与
   `normalize_images`），按批切片，训练循环里没有逐样本的 Python 变换；
2. 模型：`lenet()` 仍是书中的 `paddle.vision.models.LeNet`，只把卷积偏置的广播加法换成先 `expand` 再相加
   （Paddle 3.3.1 的 CPU 广播加法占了 LeNet 训练时间的三分之一，见 `lenet` 的文档字符串）；
3. 调度：Paddle 动态图训练 LeNet 只用得上一个核，于是每个核一个单线程工作进程（`spawn` 方式启动）。
   五个配置分到两个核上不可能刚好平分，所以每个配置按轮（epoch）切成若干段，段与段之间把模型参数
   交回主进程；空闲的工作进程总是接手剩余工作量最大、且没有在别处运行的配置。SGD 没有除参数以外的
   状态，训练不打乱数据，也不再用随机数，所以分段训练与一口气训练的每个损失值逐位相同（测试里有检查）。

命令行：`python -m nndl.sweep --profile quick|full --workers N --out DIR`。
"""

import argparse
import csv
import json
import multiprocessing
import os
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait as _wait_ready

import numpy as np

from .profile import check_profile, current_profile

# 书中的五组配置：批大小与学习率成正比。
BATCH_SIZES = (16, 32, 64, 128, 256)
LEARNING_RATES = (0.01, 0.02, 0.04, 0.08, 0.16)

# quick：书中的五组配置，只用前 5000 张训练图像训练 5 轮；full：与书中完全相同（60000 张，30 轮）。
PROFILES = {
    "quick": {"num_samples": 5000, "num_epochs": 5},
    "full": {"num_samples": 60000, "num_epochs": 30},
}
SEED = 0
MNIST_TRAIN_SIZE = 60000

# 工作进程在导入 Paddle 之前就要是单线程的：这些变量在启动子进程时放进它的环境。
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "FLAGS_paddle_num_threads": "1",
}
# 仅供测试：设为某个批大小时，训练该批大小的工作进程会用 SIGKILL 结束自己（模拟被系统因内存不足杀掉）。
KILL_HOOK_ENV = "NNDL_SWEEP_TEST_KILL_BATCH_SIZE"

# 估计一段训练的工作量（毫秒）：每步固定开销 + 每张图像的计算量。只用于决定先调度哪个配置。
_STEP_COST_MS = 1.2
_IMAGE_COST_MS = 0.23


def profile_settings(profile=None):
    """返回 profile 对应的 `{'num_samples': ..., 'num_epochs': ...}`（默认读取 `NNDL_PROFILE`）。"""
    profile = check_profile(profile) if profile is not None else current_profile()
    return dict(PROFILES[profile])


def default_workers():
    """本进程可用的 CPU 核数（`os.sched_getaffinity`），即默认的工作进程数。"""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # 非 Linux
        return os.cpu_count() or 1


class TensorBatches:
    """把一个张量按顺序切成批，供 `RunnerV3.train` 迭代；与 `DataLoader(shuffle=False)` 一样保留最后不满的一批。"""

    def __init__(self, images, labels, batch_size):
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.num_samples = images.shape[0]

    def __len__(self):
        return -(-self.num_samples // self.batch_size)

    def __iter__(self):
        for start in range(0, self.num_samples, self.batch_size):
            stop = start + self.batch_size
            yield self.images[start:stop], self.labels[start:stop]


_DATA_CACHE = {}


def mnist_tensors(num_samples):
    """前 `num_samples` 张训练图像：`float32 [N, 1, 28, 28]`（取值 [0, 1]）与 `int64 [N, 1]` 的 Paddle 张量。"""
    import paddle

    from .data import load_mnist_arrays, normalize_images

    if num_samples not in _DATA_CACHE:
        _DATA_CACHE.clear()  # 只留一份，控制内存
        images, labels = load_mnist_arrays("train", num_samples)
        _DATA_CACHE[num_samples] = (paddle.to_tensor(normalize_images(images)),
                                    paddle.to_tensor(labels.reshape(-1, 1)))
    return _DATA_CACHE[num_samples]


def lenet():
    """书中的 `paddle.vision.models.LeNet(num_classes=10)`，只把两个卷积层加偏置的写法换成显式的 `expand`。

    Paddle 3.3.1 在 CPU 上计算 `[N, C, H, W] + [1, C, 1, 1]` 的广播加法极慢（批大小 64 时第一层约 1.8 ms，
    先 `expand` 成同形状再相加约 0.1 ms），卷积偏置占了 LeNet 训练时间的三分之一。换成 `expand` 后前向的
    每个数都相同，参数名、初始化和 `state_dict` 也不变；只有偏置梯度的求和顺序不同，损失与书中流水线相差
    float32 舍入误差的量级（见“性能”一页）。
    """
    import paddle
    import paddle.nn.functional as F
    from paddle.vision.models import LeNet

    class Conv2DExpandedBias(paddle.nn.Conv2D):
        def forward(self, x):
            y = F.conv2d(x, self.weight, None, self._stride, self._padding, self._dilation, self._groups,
                         self._data_format)
            return y + self.bias.reshape([1, -1, 1, 1]).expand(y.shape)

    model = LeNet(num_classes=10)
    for layer in model.features:
        if type(layer) is paddle.nn.Conv2D:
            layer.__class__ = Conv2DExpandedBias
    return model


def train_epochs(batch_size, learning_rate, num_samples, num_epochs, seed=SEED, state=None, on_step=None):
    """用书中的 LeNet（`lenet()`）、SGD、交叉熵和 `RunnerV3` 训练 `num_epochs` 轮，返回该段的记录。

    `state` 为 None 时用 `paddle.seed(seed)` 初始化一个新的 LeNet；否则从 `state`（参数名 → NumPy 数组）
    接着训练。返回 `(train_epoch_losses, train_step_losses, state)`，步号从 0 开始计。
    """
    import paddle
    import paddle.nn.functional as F

    from .runner import RunnerV3

    images, labels = mnist_tensors(num_samples)
    paddle.seed(seed)
    np.random.seed(seed)
    model = lenet()
    if state is not None:
        model.set_state_dict({name: paddle.to_tensor(value) for name, value in state.items()})
    optimizer = paddle.optimizer.SGD(learning_rate=learning_rate, parameters=model.parameters())
    runner = RunnerV3(model, optimizer, F.cross_entropy, None)
    hook = (lambda r: on_step(len(r.train_step_losses))) if on_step else None
    runner.train(TensorBatches(images, labels, batch_size), num_epochs=num_epochs, log_steps=0,
                 custom_print_log=hook)
    new_state = {name: value.numpy() for name, value in model.state_dict().items()}
    return runner.train_epoch_losses, runner.train_step_losses, new_state


def run_configuration(batch_size, learning_rate, num_samples, num_epochs, seed=SEED):
    """在当前进程里一口气训练一个配置（顺序运行的参照），返回 `(train_epoch_losses, train_step_losses)`。"""
    epoch_losses, step_losses, _ = train_epochs(batch_size, learning_rate, num_samples, num_epochs, seed)
    return epoch_losses, step_losses


def _peak_rss_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux 上单位是 KB


def _worker_main(conn):
    """工作进程：反复接收一段训练任务，训练，把结果（含新参数）发回；收到 None 时退出。"""
    import paddle

    paddle.base.core.set_num_threads(1)
    kill_batch_size = os.environ.get(KILL_HOOK_ENV)
    while True:
        task = conn.recv()
        if task is None:
            return
        index = task["index"]
        if kill_batch_size and int(kill_batch_size) == task["batch_size"]:
            os.kill(os.getpid(), signal.SIGKILL)
        last_report = [time.monotonic()]

        def report(step):
            now = time.monotonic()
            if now - last_report[0] > 0.25:
                last_report[0] = now
                conn.send(("progress", index, step))

        try:
            started = time.perf_counter()
            epoch_losses, step_losses, state = train_epochs(
                task["batch_size"], task["learning_rate"], task["num_samples"], task["num_epochs"],
                task["seed"], task["state"], on_step=report)
            seconds = time.perf_counter() - started
            conn.send(("done", index, {"epoch_losses": epoch_losses, "step_losses": step_losses,
                                       "state": state, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}))
        except Exception:  # noqa: BLE001 - 把工作进程里的任何异常带回主进程，连同配置一起报告
            conn.send(("error", index, traceback.format_exc()))


@contextmanager
def _single_thread_environment():
    """启动子进程期间把单线程设置放进环境变量（spawn 出的子进程继承它们），之后恢复。"""
    saved = {key: os.environ.get(key) for key in SINGLE_THREAD_ENV}
    os.environ.update(SINGLE_THREAD_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _describe(batch_size, learning_rate):
    return f"batch_size={batch_size}, lr={learning_rate}"


def _exit_reason(exitcode):
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = "，常见原因是内存不足被系统终止（OOM）" if -exitcode == signal.SIGKILL else ""
        return f"工作进程被信号 {name} 终止{hint}"
    return f"工作进程意外退出（exit code {exitcode}）"


@dataclass
class SweepResult:
    """一次扫描的结果。`runs` 按输入顺序，每项是一个字典：

    `batch_size`、`learning_rate`、`train_epoch_losses`（每轮平均损失）、`train_step_losses`
    （`(global_step, loss)`，与 `RunnerV3` 相同）、`seconds`（训练这个配置所用的时间之和）、
    `peak_rss_mb`（训练它的工作进程的内存峰值，MB）、`finished`（是否训练完全部轮数）。
    """

    runs: list
    num_samples: int
    num_epochs: int
    seed: int
    workers: int
    wall_time: float = 0.0
    failures: dict = field(default_factory=dict)  # 配置序号 → 失败原因

    def to_dict(self):
        return {"num_samples": self.num_samples, "num_epochs": self.num_epochs, "seed": self.seed,
                "workers": self.workers, "wall_time": self.wall_time,
                "failures": {str(k): v for k, v in self.failures.items()}, "runs": self.runs}


class SweepError(RuntimeError):
    """有配置没有训练完。`results` 是 `SweepResult`，其中训练完的配置（以及失败配置已完成的轮）都保留着。"""

    def __init__(self, message, results):
        super().__init__(message)
        self.results = results


def _validate(batch_sizes, learning_rates, num_samples, num_epochs, workers):
    batch_sizes, learning_rates = list(batch_sizes), list(learning_rates)
    if len(batch_sizes) != len(learning_rates):
        raise ValueError(f"batch_sizes 有 {len(batch_sizes)} 个、learning_rates 有 {len(learning_rates)} 个，"
                         "两者必须一一对应")
    if not batch_sizes:
        raise ValueError("至少需要一组（批大小, 学习率）配置")
    for b in batch_sizes:
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1:
            raise ValueError(f"批大小必须是正整数，收到 {b!r}")
    for lr in learning_rates:
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not lr > 0:
            raise ValueError(f"学习率必须是正数，收到 {lr!r}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or not 1 <= num_samples <= MNIST_TRAIN_SIZE:
        raise ValueError(f"num_samples 必须是 1 到 {MNIST_TRAIN_SIZE} 之间的整数，收到 {num_samples!r}")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs 必须是正整数，收到 {num_epochs!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers 必须是不小于 1 的整数，收到 {workers!r}")
    return [int(b) for b in batch_sizes], [float(lr) for lr in learning_rates]


class _Progress:
    """每个配置一个 tqdm 进度条（按训练步数）。"""

    def __init__(self, runs, total_steps, enabled):
        self.bars = []
        if enabled:
            from tqdm import tqdm

            self.bars = [tqdm(total=total, position=i, unit="step", dynamic_ncols=True,
                              desc=f"bs={run['batch_size']:>3} lr={run['learning_rate']:.2f}")
                         for i, (run, total) in enumerate(zip(runs, total_steps))]

    def set(self, index, step):
        if self.bars:
            bar = self.bars[index]
            bar.update(max(0, step - bar.n))

    def close(self):
        for bar in self.bars:
            bar.close()


def sweep(batch_sizes=BATCH_SIZES, learning_rates=LEARNING_RATES, num_samples=None, num_epochs=None,
          profile=None, seed=SEED, workers=None, progress=False, epochs_per_task=1):
    """并行训练每组（批大小, 学习率），返回 `SweepResult`。

    `num_samples`/`num_epochs` 默认取自 `profile`（默认读取 `NNDL_PROFILE`）。`workers` 默认为可用核数，
    实际进程数不超过配置数。每个配置都从 `paddle.seed(seed)` 初始化，结果与在一个进程里逐个调用
    `run_configuration` 逐位相同。有配置失败（工作进程异常或被杀掉）时，其余配置照常训练完，
    最后抛出 `SweepError`，其 `results` 里保留已完成的一切。
    """
    settings = profile_settings(profile)
    num_samples = settings["num_samples"] if num_samples is None else num_samples
    num_epochs = settings["num_epochs"] if num_epochs is None else num_epochs
    batch_sizes, learning_rates = _validate(batch_sizes, learning_rates, num_samples, num_epochs, workers)
    if isinstance(epochs_per_task, bool) or not isinstance(epochs_per_task, int) or epochs_per_task < 1:
        raise ValueError(f"epochs_per_task 必须是正整数，收到 {epochs_per_task!r}")
    workers = default_workers() if workers is None else workers
    num_workers = min(workers, len(batch_sizes))

    runs = [{"batch_size": b, "learning_rate": lr, "train_epoch_losses": [], "train_step_losses": [],
             "seconds": 0.0, "peak_rss_mb": 0.0, "finished": False}
            for b, lr in zip(batch_sizes, learning_rates)]
    steps_per_epoch = [-(-num_samples // b) for b in batch_sizes]
    result = SweepResult(runs, num_samples, num_epochs, seed, num_workers)
    states = [None] * len(runs)
    epochs_done = [0] * len(runs)
    running = set()
    bar = _Progress(runs, [s * num_epochs for s in steps_per_epoch], progress)

    def remaining_cost(i):
        epochs_left = num_epochs - epochs_done[i]
        return epochs_left * steps_per_epoch[i] * (_STEP_COST_MS + _IMAGE_COST_MS * batch_sizes[i])

    def pending(i):
        return i not in running and i not in result.failures and epochs_done[i] < num_epochs

    def next_task():
        ready = [i for i in range(len(runs)) if pending(i)]
        if not ready:
            return None
        i = max(ready, key=lambda k: (remaining_cost(k), -k))
        running.add(i)
        return {"index": i, "batch_size": batch_sizes[i], "learning_rate": learning_rates[i],
                "num_samples": num_samples, "num_epochs": min(epochs_per_task, num_epochs - epochs_done[i]),
                "seed": seed, "state": states[i]}

    ctx = multiprocessing.get_context("spawn")
    procs = {}  # connection → (process, 正在训练的配置序号或 None)

    def start_worker():
        parent_conn, child_conn = ctx.Pipe()
        process = ctx.Process(target=_worker_main, args=(child_conn,), daemon=True, name="nndl-sweep-worker")
        with _single_thread_environment():
            process.start()
        child_conn.close()
        procs[parent_conn] = [process, None]
        return parent_conn

    def dispatch(conn):
        task = next_task()
        if task is None:
            conn.send(None)
            procs[conn][0].join(timeout=10)
            del procs[conn]
            return
        procs[conn][1] = task["index"]
        conn.send(task)

    started = time.perf_counter()
    try:
        for _ in range(num_workers):
            dispatch(start_worker())
        while procs:
            for conn in _wait_ready(list(procs)):
                process, index = procs[conn]
                try:
                    kind, index, payload = conn.recv()
                except (EOFError, OSError):
                    process.join(timeout=10)
                    del procs[conn]
                    if index is not None:
                        running.discard(index)
                        result.failures[index] = (f"配置 {_describe(batch_sizes[index], learning_rates[index])}："
                                                  f"{_exit_reason(process.exitcode)}")
                    if any(pending(i) for i in range(len(runs))):
                        dispatch(start_worker())
                    continue
                if kind == "progress":
                    bar.set(index, epochs_done[index] * steps_per_epoch[index] + payload)
                    continue
                running.discard(index)
                run = runs[index]
                if kind == "error":
                    result.failures[index] = (f"配置 {_describe(run['batch_size'], run['learning_rate'])} "
                                              f"训练出错：\n{payload}")
                else:
                    offset = epochs_done[index] * steps_per_epoch[index]
                    run["train_epoch_losses"].extend(payload["epoch_losses"])
                    run["train_step_losses"].extend((offset + s, loss) for s, loss in payload["step_losses"])
                    run["seconds"] += payload["seconds"]
                    run["peak_rss_mb"] = max(run["peak_rss_mb"], payload["peak_rss_mb"])
                    states[index] = payload["state"]
                    epochs_done[index] += len(payload["epoch_losses"])
                    run["finished"] = epochs_done[index] == num_epochs
                    bar.set(index, epochs_done[index] * steps_per_epoch[index])
                procs[conn][1] = None
                dispatch(conn)
    finally:
        bar.close()
        for conn, (process, _) in list(procs.items()):
            process.kill()
            process.join(timeout=10)
            conn.close()
        result.wall_time = time.perf_counter() - started
    if result.failures:
        finished = [_describe(r["batch_size"], r["learning_rate"]) for r in runs if r["finished"]]
        message = "；".join(result.failures[i] for i in sorted(result.failures))
        raise SweepError(f"{len(result.failures)} 个配置没有训练完：{message}\n"
                         f"已训练完的配置：{', '.join(finished) or '无'}（结果保存在本异常的 .results 中，"
                         "失败配置已完成的轮也在其中）", result)
    return result


# 书中画图所用的颜色与线型。
_STYLES = {16: ("#9c9d9f", "-"), 32: ("#f7d2e2", "-"), 64: ("#f19ec2", "-"), 128: ("#e86096", "-."),
           256: ("#000000", "--")}


def plot_epoch_losses(result, ax=None):
    """按书中的样式画出每个配置的 `train_epoch_losses`，返回 Figure。"""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 5))
    else:
        fig = ax.figure
    for run in result.runs:
        color, linestyle = _STYLES.get(run["batch_size"], (None, "-"))
        epochs = range(1, len(run["train_epoch_losses"]) + 1)
        ax.plot(epochs, run["train_epoch_losses"], c=color, linestyle=linestyle,
                label=f"batch size: {run['batch_size']}, lr: {run['learning_rate']:g}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize="large")
    ax.set_title("epoch loss with different bs and lr")
    return fig


def write_outputs(result, out_dir):
    """把结果写进 `out_dir`：losses.json、epoch_losses.csv、step_losses.csv 与 epoch_losses.png。"""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "losses.json"), "w", encoding="utf-8") as f:
        json.dump(result.to_dict(), f, ensure_ascii=False, indent=1)
    with open(os.path.join(out_dir, "epoch_losses.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["batch_size", "learning_rate", "epoch", "loss"])
        for run in result.runs:
            for epoch, loss in enumerate(run["train_epoch_losses"], start=1):
                writer.writerow([run["batch_size"], run["learning_rate"], epoch, repr(loss)])
    with open(os.path.join(out_dir, "step_losses.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["batch_size", "learning_rate", "step", "loss"])
        for run in result.runs:
            for step, loss in run["train_step_losses"]:
                writer.writerow([run["batch_size"], run["learning_rate"], step, repr(loss)])
    fig = plot_epoch_losses(result)
    fig.savefig(os.path.join(out_dir, "epoch_losses.png"), dpi=120, bbox_inches="tight")
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nndl.sweep", description="第 7.2 节的批大小实验（并行版）")
    parser.add_argument("--profile", default=None, help="quick 或 full（默认读取 NNDL_PROFILE，未设置时为 quick）")
    parser.add_argument("--workers", type=int, default=None, help="工作进程数（默认为可用核数）")
    parser.add_argument("--out", required=True, help="输出目录")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--num-samples", type=int, default=None, help="覆盖 profile 的训练图像数（调试用）")
    parser.add_argument("--num-epochs", type=int, default=None, help="覆盖 profile 的轮数（调试用）")
    args = parser.parse_args(argv)
    try:
        profile = check_profile(args.profile) if args.profile is not None else current_profile()
        settings = profile_settings(profile)
        for key in ("num_samples", "num_epochs"):
            if getattr(args, key) is not None:
                settings[key] = getattr(args, key)
        workers = default_workers() if args.workers is None else args.workers
        _validate(BATCH_SIZES, LEARNING_RATES, settings["num_samples"], settings["num_epochs"], workers)
    except ValueError as err:
        parser.error(str(err))
    print(f"profile={profile}：{settings['num_samples']} 张训练图像 × {settings['num_epochs']} 轮，"
          f"{len(BATCH_SIZES)} 个配置，{min(workers, len(BATCH_SIZES))} 个工作进程", flush=True)
    status = 0
    try:
        result = sweep(num_samples=settings["num_samples"], num_epochs=settings["num_epochs"], seed=args.seed,
                       workers=workers, progress=True)
    except SweepError as err:
        result, status = err.results, 1
        print(f"错误：{err}", file=sys.stderr)
    write_outputs(result, args.out)
    for run in result.runs:
        last = f"{run['train_epoch_losses'][-1]:.6f}" if run["train_epoch_losses"] else "-"
        print(f"batch_size={run['batch_size']:>3} lr={run['learning_rate']:.2f}  最后一轮损失 {last}  "
              f"训练用时 {run['seconds']:.1f} s  内存峰值 {run['peak_rss_mb']:.0f} MB"
              + ("" if run["finished"] else "  （未完成）"))
    print(f"总用时（wall time）：{result.wall_time:.1f} s；结果写入 {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
