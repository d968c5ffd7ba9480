"""第 7 章手写的算子与优化器。书中的导入写法 `from nndl.op import …` 对下面每个名字都成立。

- `base`：算子基类 `Op`、优化器基类 `Optimizer`、`NonFiniteError`；
- `optimizers`：7.3 节的 `SimpleBatchGD`、`Adagrad`、`RMSprop`、`Momentum`、`Adam`，动手练习 7.4、7.5 的
  `AdaDelta`、`AdamW`，以及超出本书的 `Nesterov`；
- `functions`：7.3 节的线性拟合算子 `Linear`、被优化函数 `OptimizedFunction`（二维）与 `OptimizedFunction3D`。
"""

from .base import NonFiniteError, Op, Optimizer
from .functions import Linear, OptimizedFunction, OptimizedFunction3D
from .optimizers import AdaDelta, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSprop, SimpleBatchGD

__all__ = [
    "Op", "Optimizer", "NonFiniteError",
    "SimpleBatchGD", "Adagrad", "RMSprop", "Momentum", "Adam", "AdaDelta", "Nesterov", "AdamW",
    "Linear", "OptimizedFunction", "OptimizedFunction3D",
]
