"""《神经网络与深度学习：案例与实践》第 7 章（网络优化与正则化）配套的辅助包。

书中第 7 章的包导出 `RunnerV3`、`make_moons`、`accuracy` 与 `Accuracy`，这里同样可以 `from nndl import …`。

各名字与引入它的章节：

- `nndl.op.Op`、`nndl.op.Optimizer`、`nndl.op.SimpleBatchGD`（7.3.1）、`nndl.op.Adagrad`、`nndl.op.RMSprop`
  （7.3.2）、`nndl.op.Momentum`、`nndl.op.Adam`（7.3.3）：算子与优化器基类和五个手写优化器；
- `nndl.op.OptimizedFunction`（7.3.1，二维）、`nndl.op.OptimizedFunction3D`（7.3.4）、`nndl.op.Linear`（7.3.1）；
- `nndl.op.BatchNorm`、`nndl.op.LayerNorm`（7.5）：批量规范化与层规范化；`nndl.normnet`（7.5.1.4、7.5.1.5、
  动手练习 7.8）：累积滑动平均、MNIST 卷积网络 `NormCNN` 与实验配置；
- `nndl.init`（7.4）：Xavier 与 He 初始化的标准差和区间；`nndl.mlp.MLP`（7.4.2.1，7.5.1.2 加上规范化）：记录每层
  输出的前馈网络，以及 7.4.2.3 的实验配置；
- `nndl.op.LinearLayer`、`ReLU`、`Logistic`、`Dropout`、`MLP_3L`、`MLP_3L_dropout`、`BinaryCrossEntropyWithLogits`、
  `BatchGD`（7.6）：全部手写的三层网络、带 ℓ2 的损失与带权重衰减的梯度下降；`nndl.regularization`（7.6、动手
  练习 7.9）：训练循环 `train_model`、分类边界 `show_class_boundary` 与实验配置；
- `nndl.loops.train_f`、`nndl.loops.train`（7.3.1）：被优化函数上的迭代与线性拟合的小批量训练；
- `RunnerV3`、`Accuracy`（第 4–5 章引入，7.2 使用）；`accuracy`（第 4 章，`nndl.metric`）；
- `make_moons`（第 3 章，7.4 与 7.6 使用，`nndl.data`）：两个半月形的二分类数据；
- `nndl.data.load_mnist`（7.2）：离线读取并校验仓库内的 MNIST；
- `nndl.check`：把手写优化器与 `paddle.optimizer` 逐步对照；
- `nndl.models`（7.2、7.5、动手练习 7.5、7.6、7.8）：本章卷积网络共用的 `Conv2D`（即 `paddle.nn.Conv2D`，加偏置的写法
  在 CPU 上更快）与书中的 LeNet `lenet()`；
- `nndl.sweep`（7.2）：批大小实验，每组（批大小, 学习率）是实验运行器的一个配置；也是命令行
  `python -m nndl.sweep`（可中断、再运行同一条命令接着训练）；
- `nndl.experiment`：实验运行器（`Config`、`run`、`LayerTrainable`、`mnist_tensors`、`runs_dir`），本章的重实验
  都经由它并行、可中断续跑、逐位可复现地运行；
- `nndl.plot`（7.3.1–7.3.3）：二维等高线与轨迹、损失曲线；`nndl.plot3d`（7.3.4）：曲面、轨迹动画与 HTML5 视频；
- `nndl.compare`（超出本书的对比页）：七个优化器在三个实验上的运行与汇总表，`Basin`（7.3.4 中 (0,0) 的盆地）；
- `nndl.show.show_source`：在 notebook 中显示包内实现的源码（`hide_checks=True` 略去参数检查）；`nndl.show.table`：结果表格
  （网页上是 HTML 表格）；`nndl.show.prose`：正文里引用运行结果的句子，由运行渲染成 Markdown；
- `nndl.profile`：`NNDL_PROFILE`（`quick`/`full`）选择重实验的规模；
- `nndl.__version__`：本包的版本（网站提供的 wheel 与每个 notebook 的第一个代码单元都写明它）；`nndl.PYTHON_RANGE`：
  支持的 Python 版本。
"""

import sys

# 版本与支持的 Python：pyproject.toml 从这里读取版本，requires-python 与此处的范围相同（tests/test_python_range.py）。
__version__ = "0.1.0"
PYTHON_MIN, PYTHON_MAX = (3, 11), (3, 13)
PYTHON_RANGE = f"{PYTHON_MIN[0]}.{PYTHON_MIN[1]}–{PYTHON_MAX[0]}.{PYTHON_MAX[1]}"

# 在导入任何依赖之前检查：在不支持的 Python 上给出一条说明，而不是某个依赖深处的报错。本文件的语法 Python 3.6 起都能解析。
if not PYTHON_MIN <= tuple(sys.version_info[:2]) <= PYTHON_MAX:
    raise ImportError(
        f"nndl {__version__} 支持 Python {PYTHON_RANGE}，当前的 Python 是 {'.'.join(map(str, sys.version_info[:3]))}"
        f"（{sys.executable}）。请用 Python {PYTHON_RANGE} 创建虚拟环境，在其中安装 nndl 与 requirements.txt，"
        f"例如：python3.11 -m venv .venv")

import contextlib  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import warnings  # noqa: E402

# Paddle 在导入时若找不到 ccache 会发出与本书无关的警告（只影响编译自定义 C++ 算子）。
warnings.filterwarnings("ignore", message="No ccache found")

# OMP_NUM_THREADS 大于 1 时，Paddle 在导入时向 stderr 打印两行提示（只与数据并行训练有关）。本章不用数据并行，
# 这两行又会让同一个 notebook 的输出随机器的线程设置而变，所以在这里先导入 Paddle，只删掉这两行：
# 导入期间写到 stderr 的其他任何内容（真正的错误或警告）原样转发。
_PADDLE_OMP_NOTICE = re.compile(r"WARNING: OMP_NUM_THREADS set to \d+, not 1\. The computation speed will not be "
                                r"optimized if you use data parallel\..*\n|PLEASE USE OMP_NUM_THREADS WISELY\.\n")
if "paddle" not in sys.modules:
    _stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(_stderr):
            import paddle  # noqa: F401
    finally:
        sys.stderr.write(_PADDLE_OMP_NOTICE.sub("", _stderr.getvalue()))
    del _stderr

from .op import (Adagrad, Adam, Linear, Momentum, NonFiniteError, Op, OptimizedFunction,  # noqa: E402
                 OptimizedFunction3D, Optimizer, RMSprop, SimpleBatchGD)
from .data import make_moons  # noqa: E402
from .metric import accuracy  # noqa: E402
from .metric import Accuracy  # noqa: E402
from .runner import RunnerV3  # noqa: E402
from .loops import train, train_f  # noqa: E402

__all__ = [
    "Op", "Optimizer", "SimpleBatchGD", "Adagrad", "RMSprop", "Momentum", "Adam", "NonFiniteError",
    "Linear", "OptimizedFunction", "OptimizedFunction3D",
    "RunnerV3", "Accuracy", "accuracy", "make_moons", "train_f", "train",
]
