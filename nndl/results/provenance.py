"""保存结果还属于今天的代码吗：两种能失败的检查（`tests/unit/test_stored_results.py` 运行它们）。

- `stale(名字)`：保存的每个配置与今天的登记表（`nndl.sections.experiments.configs(名字, "full")`）逐项比较，
  返回不同之处（改了设置、规模或 build 的名字）；
- `spot_check(名字, 配置名, steps=None)`：在本进程里按保存的配置重新训练第一个单位（`steps` 给出时只训练它的前
  `steps` 步，用于一个回合要几分钟的 MNIST 实验），与保存的第一条记录比较（`record_differences`），返回不同之处。
  训练代码（训练循环、模型、优化器）或没有写进配置的默认设置（例如配方里的学习率）变了，这里就不同。

容差 `RTOL`：不同的 CPU（AMD/Intel、MKL 的不同代码路径、线程数）上，同一个单位的浮点结果在最后几位不同。测试里
重新计算的那些配置（`tests/unit/test_stored_results.py` 的 `SPOT_CHECKS`），在各种模拟的机器上（`MKL_CBWR=COMPATIBLE`、
`MKL_CBWR=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2`、`OMP_NUM_THREADS` 为 1、2、4）与本机保存的记录相差至多 9e-7（相对）；
页面报告的最小的效应是 0.2%（动手练习 7.2：“设置 2 的损失比设置 1 低 0.2% 以上”），一个种下的改动（学习率差 5%、
忘了清零梯度）在第一个单位里造成 3e-3 以上的差别。所以容差取 1e-4：比机器之间的差别大 100 倍，比页面上任何一个
效应小 20 倍。会把舍入放大的配置不拿来重新计算（那里列出了它们和原因）。准确率是离散的：一个样本的输出恰好落在
判决边界附近时，另一台机器上可能翻到另一边，所以准确率允许差一个样本（`ACCURACY_SLACK`）。
"""

import itertools
import math

from ..experiment import Config
from ..experiment.config import differences
from ..experiment.pool import Live
from ..experiment.seeding import saved_rng_state
from ..experiment.trainables import LayerTrainable
from ..sections.experiments import configs
from ..sections.s7_2_batch_size.training import LeNetTrainable
from ..validate import check_int
from .policy import MACHINE_KEYS
from .stored import REGENERATE, check_name, paths, read_document

RTOL = 1e-4
# 准确率：7.6 节在 200 个训练样本、100 个测试样本上计算（nndl.data.moons_split），差一个样本是 1/200、1/100。
ACCURACY_SLACK = {"train_acc": 1.5 / 200, "test_acc": 1.5 / 100}  # 一个样本，另留半个样本的余量给 float32 的舍入


def stale(name, data_dir=None):
    """保存的配置与今天登记表在 full profile 下的配置的不同之处（空列表表示一致）。每一项写明文件与配置名。"""
    document, _ = read_document(name, data_dir)
    saved = {run["config"]["name"]: run["config"] for run in document["runs"]}
    today = {config.name: config.to_dict() for config in configs(name, "full")}
    path = paths(name, data_dir)[0]
    found = []
    if list(saved) != list(today):
        found.append(f"{path}：保存的配置是 {list(saved)}，今天的登记表给出 {list(today)}")
    for config_name in saved.keys() & today.keys():
        found.extend(f"{path} 的配置 {config_name!r}：{d}".replace("检查点中", "保存的结果中")
                     for d in differences(Config.from_dict(saved[config_name]).to_dict(), today[config_name]))
    return found


def _close(expected, actual, slack):
    return abs(actual - expected) <= max(RTOL * abs(expected), slack)


def record_differences(expected, actual, where="record", slack=0.0):
    """两条记录（或其中的一部分）的不同之处：结构、整数与字符串必须相同，浮点数相对偏差不超过 `RTOL`
    （`ACCURACY_SLACK` 里的键另允许差一个样本）；`MACHINE_KEYS`（内存峰值）不比较。"""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            return [f"{where} 的键不同：保存的是 {sorted(expected)}，重新计算的是 {sorted(actual)}"]
        return [d for key in expected if key not in MACHINE_KEYS
                for d in record_differences(expected[key], actual[key], f"{where}[{key!r}]",
                                            ACCURACY_SLACK.get(key, slack))]
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where} 的长度不同：保存的是 {len(expected)}，重新计算的是 {len(actual)}"]
        found = [d for i, (e, a) in enumerate(zip(expected, actual))
                 for d in record_differences(e, a, f"{where}[{i}]", slack)]
        return found[:1] + ([f"……（{where} 里另有 {len(found) - 1} 处不同）"] if len(found) > 1 else [])
    if isinstance(expected, float) and isinstance(actual, (float, int)) and not isinstance(actual, bool):
        if math.isfinite(expected) and _close(expected, actual, slack):
            return []
        return [f"{where}：保存的是 {expected!r}，重新计算的是 {actual!r}"
                f"（相对偏差 {abs(actual - expected) / max(abs(expected), 1e-300):.2e}，容差 {max(RTOL, slack):g}）"]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}：保存的是 {expected!r}，重新计算的是 {actual!r}"]
    return []


def _first_steps(live, steps):
    """让 `live` 的下一个单位只训练前 `steps` 步（数据、打乱顺序与完整的单位相同，只是提前停下）。"""
    trainable = getattr(live.trainable, "inner", live.trainable)  # 动手练习 7.5/7.6 的外层只多记一个权重范数
    if isinstance(trainable, LeNetTrainable):  # 7.2 节：不打乱，前 steps 批就是前 steps × 批大小张图像
        trainable.num_samples = steps * trainable.batch_size
        trainable.steps_per_epoch = steps
    elif isinstance(trainable, LayerTrainable):  # 打乱的顺序取自全部数据，只截断批的序列
        batches = trainable._batches
        trainable._batches = lambda X, y, order=None: itertools.islice(batches(X, y, order), steps)
    else:
        raise TypeError(f"steps 只适用于 LeNetTrainable 与 LayerTrainable，配置 {live.config.name!r} 是 "
                        f"{type(trainable).__name__}")


def spot_check(name, config_name, steps=None, data_dir=None):
    """按保存的配置在本进程里重新训练第一个单位（`steps` 给出时只训练它的前 `steps` 步），与保存的第一条记录比较，
    返回不同之处（空列表表示一致）。配置本身必须与今天的登记表一致（否则先看 `stale`）。"""
    document, _ = read_document(check_name(name), data_dir)
    saved = {run["config"]["name"]: run for run in document["runs"]}
    if config_name not in saved:
        raise ValueError(f"config_name 必须是实验 {name!r} 的配置之一（{', '.join(saved)}），收到 {config_name!r}")
    config = Config.from_dict(saved[config_name]["config"])
    expected = saved[config_name]["records"][0]
    with saved_rng_state():  # 不打乱调用者的随机数
        live = Live(config)
        if steps is not None:
            _first_steps(live, check_int(steps, "steps", min_val=1))
        record = live.train_unit(0)
    where = f"{paths(name, data_dir)[0].name} 配置 {config_name!r} 第一个单位"
    if steps is None:
        found = record_differences(expected, record, where)
    else:
        found = record_differences(expected["step_losses"][:steps], record["step_losses"],
                                   f"{where}前 {steps} 步的 step_losses")
    return [f"{d}。训练代码或设置变了：确认改动是有意的之后，在仓库根目录运行 {REGENERATE} 重新生成保存结果"
            for d in found]
