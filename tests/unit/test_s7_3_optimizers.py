"""The 7.3.2/7.3.3 recipe (nndl.sections.s7_3_optimizers): what the two pages print and plot from a run."""

import re

import numpy as np
import paddle
import pytest

from nndl.loops import train_f
from nndl.op import OptimizedFunction, SimpleBatchGD
from nndl.sections.s7_3_optimizers import report_trajectory, step_sizes


def test_step_sizes_has_one_row_per_update_including_the_last():
    """Gradient descent on 0.2·x1² + 2·x2² with lr 0.2 multiplies the coordinates by 1 − 2·0.2·w = (0.92, 0.2) per step,
    so the k-th update moves them by |x_k|·(0.08, 0.8), x_k = (3·0.92^k, 4·0.2^k): written out here for 5 updates."""
    model = OptimizedFunction([0.2, 2.0])
    all_x, losses = train_f(model, SimpleBatchGD(0.2, model), paddle.to_tensor([3.0, 4.0]), 5)
    k = np.arange(5)[:, None]
    expected = np.array([3.0, 4.0]) * np.array([0.92, 0.2]) ** k * np.array([0.08, 0.8])
    np.testing.assert_allclose(step_sizes(model, all_x), expected, rtol=1e-5)  # float32 arithmetic


def test_report_trajectory_prints_the_point_after_the_last_update(capsys):
    """The end point is the point after the last update (x_2 = (3·0.92², 4·0.2²)), not the last one recorded before an
    update (x_1). The printed numbers are read back and compared at float32's precision, not digit for digit."""
    model = OptimizedFunction([0.2, 2.0])
    all_x, losses = train_f(model, SimpleBatchGD(0.2, model), paddle.to_tensor([3.0, 4.0]), 2)
    report_trajectory(model, all_x, losses)
    printed = re.fullmatch(r"共 2 步，终点 x = \[(\S+), (\S+)\]，f\(x\) = (\S+)\n", capsys.readouterr().out)
    x = (3 * 0.92 ** 2, 4 * 0.2 ** 2)
    assert [float(v) for v in printed.groups()] == pytest.approx([*x, 0.2 * x[0] ** 2 + 2 * x[1] ** 2], rel=1e-5)
