"""`sweep()`：把几组（批大小, 学习率）交给实验运行器 `nndl.experiment.run` 并行训练，结果整理成 `SweepResult`。"""

from dataclasses import dataclass, field

from ...experiment import Config, ExperimentError, run
from ...experiment.pool import default_workers
from ...profile import sizes
from ...validate import check_int
from .settings import BATCH_SIZES, LEARNING_RATES, SEED, check_settings

BUILD = "nndl.sections.s7_2_batch_size.training:LeNetTrainable"


def describe(batch_size, learning_rate):
    return f"batch_size={batch_size}, lr={learning_rate}"


def configurations(batch_sizes, learning_rates, num_samples, num_epochs, seed):
    """每组（批大小, 学习率）一个 `Config`；名字（也是检查点文件名）形如 `bs=16_lr=0.01`。"""
    return [Config(name=f"bs={b}_lr={lr:g}", build=BUILD, units=num_epochs, seed=seed,
                   params={"batch_size": b, "learning_rate": lr, "num_samples": num_samples,
                           "num_epochs": num_epochs, "seed": seed})
            for b, lr in zip(batch_sizes, learning_rates)]


def sweep_configs(batch_sizes=BATCH_SIZES, learning_rates=LEARNING_RATES, num_samples=None, num_epochs=None,
                  profile=None, seed=SEED):
    """`sweep()` 交给运行器的配置（检查过输入）：`num_samples`/`num_epochs` 默认取自 `profile`（默认读取
    `NNDL_PROFILE`）。实验登记表 `nndl.sections.experiments` 用它给出 7.2 节与动手练习 7.2 的配置。"""
    settings = sizes("7.2", profile)
    num_samples = settings["num_samples"] if num_samples is None else num_samples
    num_epochs = settings["num_epochs"] if num_epochs is None else num_epochs
    batch_sizes, learning_rates = check_settings(batch_sizes, learning_rates, num_samples, num_epochs, None)
    return configurations(batch_sizes, learning_rates, num_samples, num_epochs, seed)


@dataclass
class SweepResult:
    """一次扫描的结果。`runs` 按输入顺序，每项是一个字典：

    `batch_size`、`learning_rate`、`train_epoch_losses`（每个回合平均损失）、`train_step_losses`
    （`(global_step, loss)`，与 `RunnerV3` 相同）、`seconds`（训练这个配置所用的时间之和）、
    `peak_rss_mb`（训练它的工作进程的内存峰值，MB）、`finished`（是否训练完全部回合数）。
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
    """有配置没有训练完。`results` 是 `SweepResult`，其中训练完的配置（以及失败配置已完成的回合）都保留着。"""

    def __init__(self, message, results):
        super().__init__(message)
        self.results = results


def sweep_result(results, configs, workers):
    """把运行器的 `Results` 整理成 `SweepResult`（每个配置一个字典，损失按 `RunnerV3` 的格式）。"""
    runs, failures = [], {}
    for i, config in enumerate(configs):
        run_result, params = results[config.name], config.params
        records = run_result.records
        runs.append({"batch_size": params["batch_size"], "learning_rate": params["learning_rate"],
                     "train_epoch_losses": [r["train_loss"] for r in records],
                     "train_step_losses": [(step, loss) for r in records for step, loss in r["step_losses"]],
                     "seconds": run_result.seconds,
                     "peak_rss_mb": max((r["peak_rss_mb"] for r in records), default=0.0),
                     "finished": run_result.finished})
        if run_result.error is not None:
            failures[i] = f"配置 {describe(params['batch_size'], params['learning_rate'])}：{run_result.error}"
    first = configs[0].params
    return SweepResult(runs, first["num_samples"], first["num_epochs"], first["seed"], workers,
                       results.wall_time, failures)


def sweep(batch_sizes=BATCH_SIZES, learning_rates=LEARNING_RATES, num_samples=None, num_epochs=None,
          profile=None, seed=SEED, workers=None, progress=None, out_dir=None, fresh=False):
    """并行训练每组（批大小, 学习率），返回 `SweepResult`。

    `num_samples`/`num_epochs` 默认取自 `profile`（默认读取 `NNDL_PROFILE`）。`workers` 默认为可用核数，
    实际进程数不超过配置数。每个配置都从 `paddle.seed(seed)` 初始化，结果与在一个进程里逐个调用
    `run_configuration` 逐位相同。有配置失败（工作进程异常或被杀掉）时，其余配置照常训练完，
    最后抛出 `SweepError`，其 `results` 里保留已完成的一切。

    `out_dir`：检查点目录（例如 `nndl.experiment.runs_dir("7.2-batch-size")`）；中断后同样的调用会接着训练，
    `fresh=True` 从头开始。`progress`：None 自动（终端与交互式 Jupyter 里显示进度条），True/False 强制。
    Ctrl-C/SIGTERM 时抛出 KeyboardInterrupt，其 `results` 是到那时为止的 `SweepResult`。
    """
    if workers is not None:
        check_int(workers, "workers", min_val=1)
    configs = sweep_configs(batch_sizes, learning_rates, num_samples, num_epochs, profile, seed)
    num_workers = min(default_workers() if workers is None else workers, len(configs))
    try:
        results = run(configs, out_dir=out_dir, workers=num_workers, progress=progress, fresh=fresh)
    except ExperimentError as err:
        result = sweep_result(err.results, configs, num_workers)
        finished = [describe(r["batch_size"], r["learning_rate"]) for r in result.runs if r["finished"]]
        problems = "；".join(result.failures[i] for i in sorted(result.failures)) or str(err)
        raise SweepError(f"{len(result.failures) or '有'} 个配置没有训练完：{problems}\n"
                         f"已训练完的配置：{', '.join(finished) or '无'}（结果保存在本异常的 .results 中，"
                         "失败配置已完成的回合也在其中）", result) from None
    except KeyboardInterrupt as stop:
        if hasattr(stop, "results"):
            stop.results = sweep_result(stop.results, configs, num_workers)
        raise
    return sweep_result(results, configs, num_workers)
