"""所有测试共用：tests/ 下的辅助模块可以按名字导入；优化器测试的 fixture。

tests/unit/ 在一个进程里测试 nndl 与 tools/，快（`make unit`）；tests/system/ 执行或提供 notebook、网站、
JupyterLab、wheel，以及敏感性测试的机制（`make test` 的几部分与 `make offline`）。辅助模块留在这里，与本文件
同在 tests/（processes.py、experiment_builders.py、nbval_worklist.py、sensitivity_bugs.py、prose_constants.py、
nbval_sanitize.cfg）：两类测试都按名字导入它们（`import experiment_builders`）；multiprocessing 以 spawn 启动的
工作进程继承这里的 sys.path，所以 "experiment_builders:tiny_cnn" 这样的 `Config.build` 字符串在那里也能解析。
"""

import sys
from pathlib import Path

import paddle
import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # pytest 默认的导入方式已把 conftest 所在的目录放在最前；这里写明这一依赖
    sys.path.insert(0, str(TESTS))


def pytest_configure(config):
    """直接放在 tests/ 下的测试文件不属于任何 make 目标（`make unit` 运行 tests/unit，`make test` 的各部分运行
    tests/unit 与 tests/system）：与其悄悄漏掉它，不如拒绝运行。"""
    stray = sorted(p.name for p in TESTS.glob("test_*.py"))
    if stray:
        raise pytest.UsageError(f"tests/ 下不放测试文件：{', '.join(stray)} 应移到 tests/unit/（nndl 与 tools/ 的测试，"
                                "快）或 tests/system/（执行或提供 notebook、网站、JupyterLab、wheel 的测试）")


@pytest.fixture(scope="module")
def fitting_data():
    """The chapter's linear-fitting problem: 1000×2 inputs, y = 0.5·x1 + 0.8·x2 + 0.01·noise (seed 2022)."""
    paddle.seed(2022)
    X = paddle.randn([1000, 2])
    y = paddle.matmul(X, paddle.to_tensor([[0.5], [0.8]])) + 0.01 * paddle.randn([1000, 1])
    return X, y
