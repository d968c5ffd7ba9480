"""保存结果的文件与读出：`stored(名字)` 返回与 `run()` 相同接口的 `StoredResults`，另带 `provenance`。

每个实验两个文件（仓库里在 `data/results/`，wheel 里是包内的 `nndl/results_data/`）：

- `<名字>.json`：格式版本、实验名与说明、profile、`nndl` 版本、日期、机器、工作进程数、墙钟时间、删减规则与
  状态规则（各一句中文）、保存时算出的量（`measures`，只在有的实验里），以及每个配置的 `config`、`finished`、
  `seconds`（训练用时之和）与 `records`（运行器返回的记录，按删减规则删减过）。每条记录占一行，改动在 `git diff` 里一目了然；
- `<名字>.state.json`（只在有状态要保存时）：配置名 → 最终状态；其中的数组写成
  `{"dtype": …, "shape": […], "base64": 小端字节}`，读出后逐位相同。
"""

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..experiment import Config, Results, RunResult
from ..sections.experiments import EXPERIMENTS
from ..validate import check_choice
from .policy import POLICIES

FORMAT = 1
# wheel 把仓库的 data/results/ 装成包内的 nndl/results_data/（pyproject.toml）；在仓库里（含可编辑安装）用 data/results/。
_PACKAGED_DIR = Path(__file__).resolve().parent.parent / "results_data"
REPO_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "results"
DATA_DIR = _PACKAGED_DIR if _PACKAGED_DIR.is_dir() else REPO_DIR
REGENERATE = "make results"  # 重新生成全部保存结果的命令（在仓库根目录运行）


def paths(name, data_dir=None):
    """实验 `name` 的两个文件：`(记录, 状态)`。"""
    folder = Path(data_dir or DATA_DIR)
    return folder / f"{name}.json", folder / f"{name}.state.json"


@dataclass(frozen=True)
class Provenance:
    """保存结果从哪里来：`experiment`、`title`、`profile`、`nndl_version`、`date`（训练完成的日期，UTC）、
    `machine`（CPU 型号、核数、系统与 Python、Paddle、NumPy 的版本）、`workers`（工作进程数）、
    `wall_time`（训练这个实验的墙钟时间，秒，跨中断累加）、`reduction`（删减规则）、`state`（保存了哪些最终状态）、
    `path`（记录文件）。"""

    experiment: str
    title: str
    profile: str
    nndl_version: str
    date: str
    machine: dict
    workers: int
    wall_time: float | None
    reduction: str
    state: str
    path: Path

    def describe(self):
        """一句中文说明：哪个版本、哪天、在什么机器上、用了多久（页面可以直接引用）。"""
        machine = self.machine
        wall = "墙钟时间未记录" if self.wall_time is None else f"墙钟时间 {self.wall_time / 60:.1f} 分钟"
        how = f"以 {self.workers} 个工作进程" if self.workers else "在一个进程里"
        return (f"书中规模（{self.profile}）的保存结果：nndl {self.nndl_version}，{self.date}（UTC）在 "
                f"{machine['cpu']}（{machine['cores']} 个核）上{how}训练，{wall}。")


@dataclass
class StoredRunResult(RunResult):
    """一个配置的保存结果：`RunResult` 的字段都在（另有它所属的实验名 `experiment`），只有保存了最终状态的配置
    才能 `trainable()`。"""

    experiment: str = ""

    def trainable(self):
        if self.state is None:
            raise ValueError(f"书中规模的保存结果没有配置 {self.config.name!r} 的最终状态，不能 trainable()："
                             f"{POLICIES[self.experiment].state_rule()}它的记录在 .records 里")
        return super().trainable()


class StoredResults(Results):
    """与 `run()` 的返回值相同的接口（配置名 → `StoredRunResult`，`wall_time`），另有 `provenance` 与 `measures`
    （保存时由训练完的结果算出的量，函数名 → 值，见 `nndl.results.policy`）。"""

    def __init__(self, runs, provenance, measures=None):
        super().__init__(runs, provenance.wall_time or 0.0)
        self.provenance = provenance
        self.measures = dict(measures or {})

    def measure(self, name):
        """保存时算出的量 `name`；没有这个量时报错，写明有哪些。"""
        if name not in self.measures:
            raise KeyError(f"实验 {self.provenance.experiment!r} 的保存结果没有量 {name!r}"
                           f"（有：{', '.join(self.measures) or '无'}）")
        return self.measures[name]

    @property
    def elapsed(self):
        return self.provenance.wall_time

    @property
    def configs(self):
        """按保存顺序的配置列表（`run()` 的输入）。"""
        return [r.config for r in self.values()]

    def __repr__(self):
        return f"StoredResults({self.provenance.experiment!r}: {', '.join(self)})"


def encode_state(value):
    """把状态里的 NumPy 数组写成可 JSON 的字典（字典、列表、数、字符串、None 原样）。"""
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        return {"dtype": little.dtype.str, "shape": list(array.shape),
                "base64": base64.b64encode(little.tobytes()).decode("ascii")}
    if isinstance(value, dict):
        return {key: encode_state(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_state(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode_state(value):
    """`encode_state` 的逆：数组逐位还原（本机字节序）。"""
    if isinstance(value, dict):
        if set(value) == {"dtype", "shape", "base64"}:
            raw = np.frombuffer(base64.b64decode(value["base64"]), dtype=np.dtype(value["dtype"]))
            return raw.reshape(value["shape"]).astype(raw.dtype.newbyteorder("="))
        return {key: decode_state(v) for key, v in value.items()}
    if isinstance(value, list):
        return [decode_state(v) for v in value]
    return value


def _line(value):
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def dumps(document):
    """记录文件的文本：头部每项一行，每个配置的 config 一行、每条记录一行（JSON 本身不变，`json.loads` 照常读）。"""
    head = [f" {_line(key)}: {_line(value)}," for key, value in document.items() if key != "runs"]
    runs = []
    for run in document["runs"]:
        fields = [f"   {_line(key)}: {_line(value)}," for key, value in run.items() if key != "records"]
        records = ",\n".join(f"    {_line(record)}" for record in run["records"])
        runs.append("  {\n" + "\n".join(fields) + '\n   "records": [\n' + records + "\n   ]\n  }")
    return "{\n" + "\n".join(head) + '\n "runs": [\n' + ",\n".join(runs) + "\n ]\n}\n"


def check_name(name):
    """`name` 必须是登记表 `nndl.sections.experiments.EXPERIMENTS` 里的实验名（每个都有保存结果）。"""
    check_choice(name, "name", EXPERIMENTS)
    return name


def read_document(name, data_dir=None):
    """读出实验 `name` 的记录文件（字典）与状态文件（配置名 → 状态；没有状态文件时为空字典）。"""
    records_path, state_path = paths(check_name(name), data_dir)
    if not records_path.is_file():
        raise FileNotFoundError(f"没有实验 {name!r} 的书中规模结果 {records_path}：在仓库根目录运行 {REGENERATE} 生成它")
    document = json.loads(records_path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT or document.get("experiment") != name:
        raise ValueError(f"{records_path} 不是实验 {name!r} 的保存结果（格式 {document.get('format')!r}，"
                         f"实验 {document.get('experiment')!r}）；在仓库根目录运行 {REGENERATE} 重新生成")
    states = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else {}
    return document, states


def stored(name, data_dir=None):
    """实验 `name`（`nndl.sections.experiments.EXPERIMENTS` 的键，例如 `"7.6-regularization"`）书中规模的保存结果。

    返回 `StoredResults`：与 `run()` 返回的 `Results` 接口相同（配置名 → `RunResult`，有 `.config`、`.records`、
    `.state`、`.trainable()`、`.seconds`、`.finished`），所以页面可以把它交给画 quick 结果的同一些函数；
    `.provenance` 说明它的来历（版本、日期、机器、墙钟时间、删减规则）。
    """
    document, states = read_document(name, data_dir)
    runs = []
    for run in document["runs"]:
        config = Config.from_dict(run["config"])
        state = decode_state(states[config.name]) if config.name in states else None
        runs.append(StoredRunResult(config, run["records"], run["finished"], run["seconds"], state, experiment=name))
    provenance = Provenance(name, document["title"], document["profile"], document["nndl_version"], document["date"],
                            document["machine"], document["workers"], document["wall_time"], document["reduction"],
                            document["state"], paths(name, data_dir)[0])
    return StoredResults(runs, provenance, document.get("measures"))
