"""《神经网络与深度学习：案例与实践》第 7 章（网络优化与正则化）配套的辅助包。

书中第 7 章的包导出 `RunnerV3`、`make_moons`、`accuracy` 与 `Accuracy`，这里同样可以 `from nndl import …`。

包按职责分成几个部分（CONTRIBUTING.md 逐一说明）：

- 不用自动微分的算子与优化器 `nndl.op`（7.3、7.5、7.6 节手写的一切）；初始化 `nndl.init`（7.4）；学习率调度
  `nndl.lr`（动手练习 7.3）；
- 数据 `nndl.data`（离线的 MNIST、`make_moons` 与它的训练/测试划分、7.3 节的拟合数据）；评价指标 `nndl.metric`
  （`accuracy`、`Accuracy`）；优化轨迹的度量 `nndl.trajectory`；
- `paddle.nn` 模型 `nndl.models`（卷积层 `Conv2D`、LeNet、`MLP`、`NormCNN`）；训练循环 `nndl.loops`；书中的
  `RunnerV3`（`nndl.runner`）；
- 与 Paddle 的对照 `nndl.check`；画图 `nndl.plot`、`nndl.plot3d`；页面上的源码、表格与正文 `nndl.show`；
- 规模 `nndl.profile`（`NNDL_PROFILE` 与本章全部 quick/full 规模的登记表）；参数检查 `nndl.validate`；
- 实验运行器 `nndl.experiment`：本章的重实验都经由它并行、可中断续跑、逐位可复现地运行；
- 每个 notebook 的实验配方 `nndl.sections`（设置、实验配置与结果摘要）；`python -m nndl.sweep` 是 7.2 节的
  命令行（`nndl.sweep` 只是指向 `nndl.sections.s7_2_batch_size` 的一行兼容路径）。

`nndl.__version__`：本包的版本（网站提供的 wheel 与每个 notebook 的第一个代码单元都写明它）；`nndl.PYTHON_RANGE`：
支持的 Python 版本。
"""

import sys

# 版本与支持的 Python：pyproject.toml 从这里读取版本，requires-python 与此处的范围相同（tests/unit/test_python_range.py）。
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
