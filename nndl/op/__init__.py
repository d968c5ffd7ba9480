"""第 7 章手写的算子与优化器。书中的导入写法 `from nndl.op import …` 对下面每个名字都成立。

- `base`：算子基类 `Op`、优化器基类 `Optimizer`、`NonFiniteError`；
- `optimizers`：7.3 节的 `SimpleBatchGD`、`Adagrad`、`RMSprop`、`Momentum`、`Adam`，动手练习 7.4、7.5 的
  `AdaDelta`、`AdamW`，以及超出本书的 `Nesterov`；
- `functions`：7.3 节的线性拟合算子 `Linear`、被优化函数 `OptimizedFunction`（二维）与 `OptimizedFunction3D`；
- `norm`：7.5 节的批量规范化 `BatchNorm` 与层规范化 `LayerNorm`（`paddle.nn.Layer`）。
- `layers`：7.6 节的线性层 `LinearLayer`（书中第 4 章的 `op.Linear`）、`ReLU`、`Logistic`、`Dropout`、
  三层前馈网络 `MLP_3L` 与 `MLP_3L_dropout`、带 ℓ2 的损失 `BinaryCrossEntropyWithLogits`、带权重衰减的 `BatchGD`。
"""

from .base import NonFiniteError, Op, Optimizer
from .functions import Linear, OptimizedFunction, OptimizedFunction3D
from .norm import BatchNorm, LayerNorm
from .layers import (MLP_3L, BatchGD, BinaryCrossEntropyWithLogits, Dropout, LinearLayer, Logistic,
                     MLP_3L_dropout, ReLU)
from .optimizers import AdaDelta, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSprop, SimpleBatchGD

__all__ = [
    "Op", "Optimizer", "NonFiniteError",
    "SimpleBatchGD", "Adagrad", "RMSprop", "Momentum", "Adam", "AdaDelta", "Nesterov", "AdamW",
    "Linear", "OptimizedFunction", "OptimizedFunction3D",
    "BatchNorm", "LayerNorm",
    "LinearLayer", "ReLU", "Logistic", "Dropout", "MLP_3L", "MLP_3L_dropout", "BinaryCrossEntropyWithLogits",
    "BatchGD",
]
