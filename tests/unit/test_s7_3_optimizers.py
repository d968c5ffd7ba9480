"""The 7.3.2/7.3.3 recipe (nndl.sections.s7_3_optimizers): what the two pages print from a run."""

import re

import numpy as np
import paddle
import pytest

from nndl.loops import train_f
from nndl.op import OptimizedFunction, SimpleBatchGD
from nndl.sections.s7_3_optimizers import report_trajectory


def test_report_trajectory_prints_the_point_after_the_last_update(capsys):
    """Gradient descent on 0.2·x1² + 2·x2² with lr 0.2 multiplies the coordinates by 1 − 2·0.2·w = (0.92, 0.2) per step:
    after 2 updates the point is (3·0.92², 4·0.2²), written out here. The printed numbers are read back and compared
    at float32's precision, not digit for digit (the last printed digit may round either way on another CPU)."""
    model = OptimizedFunction([0.2, 2.0])
    all_x, losses = train_f(model, SimpleBatchGD(0.2, model), paddle.to_tensor([3.0, 4.0]), 2)
    trajectory = report_trajectory(model, all_x, losses, 2)
    printed = re.fullmatch(r"共 2 步，终点 x = \[(\S+), (\S+)\]，f\(x\) = (\S+)\n", capsys.readouterr().out)
    x = np.array([3 * 0.92 ** 2, 4 * 0.2 ** 2])
    assert [float(v) for v in printed.groups()] == pytest.approx([*x, 0.2 * x[0] ** 2 + 2 * x[1] ** 2], rel=1e-5)
    np.testing.assert_allclose(trajectory.final[0], x, rtol=1e-6)
