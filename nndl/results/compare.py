"""页面在 full 规模下运行时，它的结果与书中规模的保存结果是同一个实验：`same_as_stored` 逐个配置比较。

“同一个实验”由配置判定：配置（设置、规模、种子、构建函数）必须完全相同，否则保存结果不属于今天的代码，报错。
记录只量出差别、不作判定：同一台机器上它们逐位相同（运行器的结果与怎样分给工作进程无关）；换一种 CPU 或线程设置，
每一步末几位的舍入不同，几万步的训练会把它放大（在 AVX2 的代码路径上，7.6 节的网络 50000 次迭代后损失相差到
6e-2，7.4 节 N(0, 1) 初始化的 Tanh 网络相差几个数量级），没有一个容差既在各种 CPU 上成立、又有意义。训练代码是否仍与保存
结果一致，由不放大舍入的配置的第一个单位来核对（`spot_check`，容差 `RTOL`）。
"""

import math

from .policy import MACHINE_KEYS, POLICIES, reduce_records
from .stored import REGENERATE, stored


def relative_drift(expected, actual, where="record"):
    """两条结构相同的记录里数的最大相对差别。结构（字典的键、列表的长度、字符串、布尔值）不同时抛出
    AssertionError，写明第一处不同：那已不是同一个实验的记录。`MACHINE_KEYS`（内存峰值）不比较。"""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            raise AssertionError(f"{where} 的键不同：保存的是 {sorted(expected)}，这次的是 {sorted(actual)}")
        return max((relative_drift(expected[k], actual[k], f"{where}[{k!r}]") for k in expected
                    if k not in MACHINE_KEYS), default=0.0)
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        if len(expected) != len(actual):
            raise AssertionError(f"{where} 的长度不同：保存的是 {len(expected)}，这次的是 {len(actual)}")
        return max((relative_drift(e, a, f"{where}[{i}]") for i, (e, a) in enumerate(zip(expected, actual))),
                   default=0.0)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (expected, actual))
    if numbers:
        if expected == actual:
            return 0.0
        if not (math.isfinite(expected) and math.isfinite(actual)):
            return math.inf
        return abs(actual - expected) / max(abs(expected), abs(actual))
    if expected != actual:
        raise AssertionError(f"{where}：保存的是 {expected!r}，这次的是 {actual!r}")
    return 0.0


def same_experiment(count, drift):
    """一次 full 规模的运行与保存结果对照后页面上的一句话：`count` 个配置相同，记录的最大相对差别 `drift`。"""
    if drift == 0:
        return f"本页这次运行就是书中规模的实验：{count} 个配置与保存结果相同，记录逐位相同。"
    return (f"本页这次运行与书中规模的保存结果是同一个实验（{count} 个配置相同），记录却不逐位相同：最多相差 "
            f"{drift:.1e}（相对）。没有改动训练代码时，这是因为这台机器与保存结果的机器舍入不同（CPU 的指令集、线程数），"
            "每一步末几位的差别在长时间的训练中被放大；上面的表、图与判定是这次运行的，下面是保存的那一次，"
            "两者判定不同的结论就是舍入能左右的结论。")


def same_as_stored(name, results, data_dir=None):
    """`results`（页面上 `run()` 在 full 规模下的结果）与实验 `name` 的保存结果逐个配置对照：配置必须相同（不同时
    抛出 AssertionError，写明重新生成的命令）；记录按保存时的删减规则删减后量出最大相对差别。返回页面上的一句话。"""
    book = stored(name, data_dir)
    if [r.config.to_dict() for r in results.values()] != [r.config.to_dict() for r in book.values()]:
        raise AssertionError(f"本页这次运行与实验 {name!r} 的保存结果不是同一组配置：在仓库根目录运行 {REGENERATE}")
    drift = max(relative_drift(book[config_name].records, reduce_records(live.records, POLICIES[name]),
                               f"配置 {config_name!r} 的记录") for config_name, live in results.items())
    return same_experiment(len(book), drift)
