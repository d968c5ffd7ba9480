"""第 7 章手写的算子与优化器。书中的导入写法 `from nndl.op import …` 对下面每个名字都成立。

- `base`：算子基类 `Op`、优化器基类 `Optimizer`、`NonFiniteError`；
- `optimizers`：7.3 节的 `SimpleBatchGD`、`Adagrad`、`RMSprop`、`Momentum`、`Adam`；
- `functions`：7.3 节的线性拟合算子 `Linear`、被优化函数 `OptimizedFunction`（二维）与 `OptimizedFunction3D`；
- `norm`：7.5 节的批量规范化 `BatchNorm` 与层规范化 `LayerNorm`（`paddle.nn.Layer`）。
"""

from .base import NonFiniteError, Op, Optimizer
from .functions import Linear, OptimizedFunction, OptimizedFunction3D
from .norm import BatchNorm, LayerNorm
from .optimizers import Adagrad, Adam, Momentum, RMSprop, SimpleBatchGD

__all__ = [
    "Op", "Optimizer", "NonFiniteError",
    "SimpleBatchGD", "Adagrad", "RMSprop", "Momentum", "Adam",
    "Linear", "OptimizedFunction", "OptimizedFunction3D",
    "BatchNorm", "LayerNorm",
]
