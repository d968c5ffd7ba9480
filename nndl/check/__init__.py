"""与 Paddle 对照：本章手写的每个优化器、算子和梯度都在这里与 Paddle 的对应实现或自动微分逐步比较。

- `optimizers`：手写优化器与学习率调度对 `paddle.optimizer`（7.3 节、动手练习 7.3–7.5）；
- `norm`：批量规范化与层规范化对 `paddle.nn`（7.5 节）；
- `layers`：7.6 节手写的层、损失与权重衰减对 Paddle 自动微分与 `paddle.optimizer.SGD`。
"""

from .layers import backward_deviations, compare_weight_decay_with_paddle, paddle_twin, reference_bce
from .norm import compare_batchnorm_with_paddle, compare_layernorm_with_paddle
from .optimizers import compare_with_paddle, paddle_counterpart, paddle_scheduler

__all__ = ["compare_with_paddle", "paddle_counterpart", "paddle_scheduler", "compare_batchnorm_with_paddle",
           "compare_layernorm_with_paddle", "reference_bce", "paddle_twin", "compare_weight_decay_with_paddle",
           "backward_deviations"]
