"""保存什么：每个实验的逐步序列怎样删减（`stride`），保存哪些配置的最终状态、保存其中哪一部分（`state`）。

删减规则（`Policy.reduction_rule()` 把它写成一句中文，写进每个文件，页面据此说明）：`stride` 为 k（大于 1）时，
每个配置第一个与最后一个单位（回合）的 `step_losses` 全部保留，其余单位只保留全局步号是 k 的倍数的点；
记录里的其他一切（每个回合的平均损失 `train_loss`、评价 `dev`、权重范数……）原样保留。于是“前 100 步的平均损失”、
“最后一个回合相邻两步之差的起伏”、“最后 20 步的平均损失”、第一个单位的重新计算（`nndl.results.provenance`）
用的都是没有删减的点；对数横轴上的逐步曲线在第一个回合之后只剩每 k 步一个点。

状态：`state="all"` 保存 `state_dict()` 的全部（7.6 节的小网络，连同 `BatchGD` 的步数）；`state="model"` 只保存
`LayerTrainable` 的模型参数与缓冲区，优化器的状态换成空的——`trainable()` 建出的对象可以画图、评价，不能接着训练。

量（`measures`）：由训练完的结果算出、页面直接读的量，保存时按 "module:function" 调用 `function(results)` 算出，
以函数名为键写进文件（`StoredResults.measures`）。只用于算起来太慢、不该在每次构建网站时重算的量（7.5.1.5 节两个
网络在一万张训练图像上的评价，近 6 秒）；它们由保存的最终状态算出，测试从保存的状态重算并比较。
"""

import json
from typing import NamedTuple

from ..experiment.config import resolve_build

# 随机器而变、与实验无关的记录项：比较记录时不看它们（7.2 节的工作进程内存峰值）。
MACHINE_KEYS = frozenset({"peak_rss_mb"})
EVERY = "every"  # Policy.state_configs：每个配置都保存最终状态


class Policy(NamedTuple):
    """一个实验保存什么：`stride`（逐步序列 `step_losses` 在首末单位之外每隔几步留一个点，1 表示不删减），
    `state_configs`（保存最终状态的配置名，或 `EVERY`），`state`（`"all"` 或 `"model"`），`why_state`（页面用这些状态做什么），
    `measures`（保存时算出的量，"module:function" 的元组）。"""

    stride: int = 1
    state_configs: tuple = ()
    state: str = "all"
    why_state: str = ""
    measures: tuple = ()

    def reduction_rule(self):
        if self.stride == 1:
            return "没有删减：每个单位的记录与运行器返回的完全相同。"
        return (f"每个配置第一个与最后一个回合的逐步损失 step_losses 全部保留，其余回合只保留全局步号是 {self.stride} "
                "的倍数的点；记录里的其他一切（每个回合的平均损失 train_loss 等）与运行器返回的完全相同。")

    def keeps_state(self, name):
        """配置 `name` 的最终状态要保存吗。"""
        return self.state_configs == EVERY or name in self.state_configs

    def state_rule(self):
        if not self.state_configs:
            return "不保存最终状态（页面上的图、表与检查只用记录）。"
        part = ("state_dict() 的全部" if self.state == "all"
                else "只有模型参数与缓冲区，不含优化器的状态，所以能画图、评价，不能接着训练")
        which = "每个配置" if self.state_configs == EVERY else f"配置 {'、'.join(self.state_configs)} "
        return f"{which}保存最终状态（{part}）：{self.why_state}。"


POLICIES = {
    "7.2-batch-size": Policy(stride=25),
    "7.2-exercises": Policy(stride=25),
    "exercise-7.5": Policy(),
    "exercise-7.6": Policy(),
    "7.4-init-tanh": Policy(),
    "7.4-init-relu": Policy(),
    "7.5.1.5": Policy(stride=10, state_configs=("none", "bn"), state="model",
                      why_state="页面在训练集与测试集上评价这两个训练好的网络（“验证”曲线偏乐观）",
                      measures=("nndl.sections.s7_5_normalization:seen_versus_unseen",)),
    "7.6-regularization": Policy(state_configs=EVERY, why_state="页面画出每个网络的分类边界"),
}


def reduce_records(records, policy):
    """按 `policy.stride` 删减一个配置的记录（新列表，原记录不变）。"""
    if policy.stride == 1:
        return list(records)
    last = len(records) - 1
    return [record if u in (0, last) or "step_losses" not in record else
            {**record, "step_losses": [p for p in record["step_losses"] if p[0] % policy.stride == 0]}
            for u, record in enumerate(records)]


def kept_state(state, policy):
    """要保存的那部分最终状态：`"all"` 原样，`"model"` 只留模型（优化器状态换成空的，载入时照常可用）。"""
    if policy.state == "all":
        return state
    return {"model": state["model"], "optimizer": {"accumulators": {}, "lr_scheduler": state["optimizer"]["lr_scheduler"]}}


def compute_measures(results, policy):
    """按 `policy.measures` 由 `results` 算出的量：函数名（"module:function" 冒号后的部分）→ 值（JSON 能表示的形式）。"""
    return {path.rpartition(":")[2]: json.loads(json.dumps(resolve_build(path)(results))) for path in policy.measures}
