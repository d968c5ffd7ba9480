"""`nndl.trajectory.Trajectory`: the one meaning of "after k steps" (issue 29, D2).

`train_f` (the book's function) records the point *before* each update, so its last entry is k−1 updates in;
`Trajectory.from_run` adds the point after the last update. The reference is the closed form of gradient descent
on the 2-D test function, x_d,k = (1 − 2αw_d)^k · x_d,0, written here without the code under test.
"""

import warnings

import numpy as np
import paddle
import pytest

from nndl.loops import train_f
from nndl.op import Momentum, OptimizedFunction, OptimizedFunction3D, SimpleBatchGD
from nndl.trajectory import Trajectory

W, X0, LR, STEPS = np.array([0.2, 2.0]), np.array([3.0, 4.0]), 0.2, 20


def sgd_run(steps=STEPS):
    model = OptimizedFunction(paddle.to_tensor(W.tolist(), dtype="float32"))
    all_x, losses = train_f(model, SimpleBatchGD(LR, model), paddle.to_tensor(X0.tolist(), dtype="float32"), steps)
    return model, all_x, losses


def test_row_k_is_the_point_after_k_updates():
    model, all_x, losses = sgd_run()
    trajectory = Trajectory.from_run(model, all_x, losses, STEPS)
    k = np.arange(STEPS + 1)[:, None]
    expected = (1 - 2 * LR * W) ** k * X0
    assert trajectory.updates == STEPS and not trajectory.stopped
    np.testing.assert_allclose(trajectory.points, expected, rtol=1e-5, atol=1e-6)  # float32 arithmetic
    np.testing.assert_allclose(trajectory.losses, (expected ** 2 * W).sum(axis=1), rtol=1e-5, atol=1e-6)
    point, f = trajectory.after(STEPS)
    assert np.array_equal(point, trajectory.final[0]) and f == trajectory.final[1]
    # train_f's own last entry is one update short: that is what "after 20 steps" must not quote
    assert losses[-1] == pytest.approx(trajectory.after(STEPS - 1)[1]) and losses[-1] > f


def test_after_checks_k():
    model, all_x, losses = sgd_run(3)
    trajectory = Trajectory.from_run(model, all_x, losses, 3)
    with pytest.raises(ValueError, match="k"):
        trajectory.after(4)
    with pytest.raises(TypeError, match="k"):
        trajectory.after(1.0)
    with pytest.raises(ValueError, match="steps=2"):
        Trajectory.from_run(model, all_x, losses, 2)  # three recorded points cannot come from two steps
    with pytest.raises(TypeError, match="steps"):
        Trajectory.from_run(model, all_x, losses, 3.0)


def test_a_diverging_run_stops_at_its_last_finite_point():
    model = OptimizedFunction3D()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        all_x, losses = train_f(model, Momentum(0.01, model, 0.9), paddle.to_tensor([2.0, 3.0]), 150)
    trajectory = Trajectory.from_run(model, all_x, losses, 150)
    assert trajectory.stopped and trajectory.updates == len(losses) - 1 < 150
    assert np.isfinite(trajectory.points).all() and np.isfinite(trajectory.losses).all()


def test_a_last_update_that_failed_is_not_counted():
    """The optimizer keeps the old parameters when an update turns them non-finite; the model then still sits on
    the last recorded point, which must not be reported as the point after `steps` updates."""
    model = OptimizedFunction(paddle.to_tensor(W.tolist(), dtype="float32"))
    optimizer = SimpleBatchGD(LR, model)
    all_x, losses = train_f(model, optimizer, paddle.to_tensor(X0.tolist(), dtype="float32"), 3)
    model.params["x"] = paddle.to_tensor(all_x.numpy()[-1])  # as after a failed third update
    trajectory = Trajectory.from_run(model, all_x, losses, 3)
    assert trajectory.stopped and trajectory.updates == 2
