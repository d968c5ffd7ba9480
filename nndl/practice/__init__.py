"""自己写、自己检查：练习 notebook（`notebooks/practice/`）里的检查。

书中每一节要讲的代码——五个优化器的更新公式、动手练习里的 AdaDelta、Nesterov、AdamW 与余弦衰减、Xavier 与 He
初始化、BatchNorm 与 LayerNorm、ℓ2 正则化的损失与梯度、权重衰减、Dropout——在练习 notebook 里是一个骨架
（签名、文档字符串、`raise NotImplementedError`），后面跟一个检查单元格：

    check_optimizer(Adam, "adam")        # 优化器：与参考实现各走 20 步，逐步比较
    check_schedule(CosineAnnealingDecay, "cosine_annealing_decay")
    check_init(xavier_normal_std, "xavier_normal")
    check_layer(BatchNorm, "batchnorm")  # 算子与层：输出与梯度

检查在固定的小例子上运行你的代码和参考实现（已与 Paddle 逐步核对），用中文说出：通过；还没有写；或者第一处不同
在哪里，以及它像哪一个常见错误（“很可能把 β₁ 和 1−β₁ 写反了”）。常见错误的表在 `nndl.practice.mistakes`，
与项目的敏感性测试共用；练习的目录在 `nndl.practice.catalog`。检查从不显示参考实现的代码。
"""

from .catalog import EXERCISES
from .checks import CheckResult, check_init, check_layer, check_optimizer, check_schedule
from .mistakes import MISTAKES, Mistake

__all__ = ["check_optimizer", "check_schedule", "check_init", "check_layer", "CheckResult", "EXERCISES",
           "MISTAKES", "Mistake"]
