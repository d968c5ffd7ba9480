"""`run()` 的结果：`Results`（配置名 → `RunResult`）与 `ExperimentError`。"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from .config import Config
from .pool import Live
from .seeding import saved_rng_state


@dataclass
class RunResult:
    """一个配置的结果。

    - `records`：各单位 `train_unit` 的返回值，按单位顺序（JSON 往返过：元组成了列表）；
    - `finished`：全部 `config.units` 个单位都训练完了吗；
    - `seconds`：训练用时之和（秒，不含构建与进程间传递；从检查点继续时包括之前的用时）；
    - `state`：最后一个完成的单位之后的 `state_dict()`（一个单位都没完成时为 None）；
    - `error`：失败原因（没有失败时为 None）；
    - `elapsed`：从这个实验开始训练（第一次 `run()`）到这个配置最后一个单位完成的墙钟时间（秒），中断后接着训练时
      累加以前各次运行的；没有这项记录的旧检查点里读出的为 None。
    """

    config: Config
    records: list = field(default_factory=list)
    finished: bool = False
    seconds: float = 0.0
    state: dict | None = None
    error: str | None = None
    elapsed: float | None = None

    def trainable(self):
        """在本进程里按同样的种子构建一个新的可训练对象并载入最终状态（例如画决策边界或在测试集上评价）。"""
        with saved_rng_state():
            return Live(self.config, self.state, len(self.records)).trainable


class Results(Mapping):
    """配置名 → `RunResult`，按配置的输入顺序；`wall_time` 是这次 `run()` 的总用时（秒）。"""

    def __init__(self, runs, wall_time=0.0):
        self._runs = {r.config.name: r for r in runs}
        self.wall_time = wall_time

    def __getitem__(self, name):
        return self._runs[name]

    def __iter__(self):
        return iter(self._runs)

    def __len__(self):
        return len(self._runs)

    @property
    def elapsed(self):
        """训练这些配置一共花掉的墙钟时间（秒）：各配置 `elapsed` 的最大值，跨中断与续跑累加（`wall_time` 只是
        这一次 `run()` 的用时，全部从检查点读出时接近 0）。有配置没有这项记录时为 None。"""
        values = [r.elapsed for r in self._runs.values() if r.records]
        return max(values) if values and None not in values else None

    @property
    def failures(self):
        """失败的配置：名字 → 原因。"""
        return {name: r.error for name, r in self._runs.items() if r.error is not None}

    def __repr__(self):
        parts = [f"{name}: {len(r.records)}/{r.config.units}" + ("" if r.error is None else " failed")
                 for name, r in self._runs.items()]
        return f"Results({', '.join(parts)})"


class ExperimentError(RuntimeError):
    """有配置没有训练完（出错、工作进程被杀、检查点写不进去）。`results` 保留已完成的一切。"""

    def __init__(self, message, results):
        super().__init__(message)
        self.results = results
