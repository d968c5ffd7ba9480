"""nndl.lr schedules against paddle.optimizer.lr, step for step, and optimizers driven by a schedule.

A schedule is a pure function of t (updates done so far); Paddle's scheduler is stateful and advanced by one
step() after every update, its last_epoch is our t. The values are Python floats on both sides, computed by the
same formula, so they must agree to float64 rounding (CosineAnnealingDecay: Paddle uses a recursion whose
rounding error accumulates, hence a relative 1e-12 bound).
"""

import math

import numpy as np
import paddle
import pytest

from nndl import lr as L
from nndl.check import compare_with_paddle, paddle_counterpart, paddle_scheduler
from nndl.op import (AdaDelta, Adagrad, Adam, AdamW, Linear, Momentum, Nesterov, OptimizedFunction, RMSprop,
                     SimpleBatchGD)

STEPS = 600
SCHEDULES = {
    "PiecewiseDecay": lambda: L.PiecewiseDecay([100, 250, 400], [0.1, 0.05, 0.01, 0.002]),
    "InverseTimeDecay": lambda: L.InverseTimeDecay(0.1, 0.01),
    "ExponentialDecay": lambda: L.ExponentialDecay(0.1, 0.99),
    "NaturalExpDecay": lambda: L.NaturalExpDecay(0.1, 0.005),
    "CosineAnnealingDecay": lambda: L.CosineAnnealingDecay(0.1, 150, eta_min=0.001),  # 2 periods in 600 steps
    "LinearWarmup(float)": lambda: L.LinearWarmup(0.1, 50, 0.0, 0.1),
    "LinearWarmup(cosine)": lambda: L.LinearWarmup(L.CosineAnnealingDecay(0.1, 500), 50, 0.001, 0.1),
    "CyclicLR": lambda: L.CyclicLR(0.001, 0.1, 60, 40),
    "CyclicLR(triangular2)": lambda: L.CyclicLR(0.001, 0.1, 50, mode="triangular2"),
    "CyclicLR(exp_range)": lambda: L.CyclicLR(0.001, 0.1, 50, mode="exp_range", exp_gamma=0.995),
}
REL_TOL = 1e-12  # float64 rounding; Paddle's cosine recursion accumulates ~1e-15 over 600 steps


def paddle_values(scheduler, steps):
    values = []
    for _ in range(steps):
        values.append(scheduler())
        scheduler.step()
    return np.array(values)


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_matches_paddle_step_for_step(name):
    schedule = SCHEDULES[name]()
    ours = np.array(schedule.values(STEPS))
    theirs = paddle_values(paddle_scheduler(schedule), STEPS)
    np.testing.assert_allclose(ours, theirs, rtol=REL_TOL, atol=0)
    assert len(set(np.round(ours, 12))) > 3, "a schedule that does not change would prove little"


def test_book_formulas_at_a_few_points():
    assert L.InverseTimeDecay(0.1, 0.5)(2) == pytest.approx(0.05)
    assert L.ExponentialDecay(0.1, 0.5)(3) == pytest.approx(0.0125)
    assert L.NaturalExpDecay(0.1, 0.5)(2) == pytest.approx(0.1 * math.exp(-1))
    cosine = L.CosineAnnealingDecay(0.1, 10)
    assert cosine(0) == pytest.approx(0.1) and cosine(5) == pytest.approx(0.05) and cosine(10) == pytest.approx(0)
    warm = L.LinearWarmup(0.1, 10, 0.0, 0.1)
    assert [warm(t) for t in (0, 5, 10, 99)] == pytest.approx([0.0, 0.05, 0.1, 0.1])
    cyc = L.CyclicLR(0.0, 1.0, 4)
    assert [cyc(t) for t in range(9)] == pytest.approx([0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0])
    piece = L.PiecewiseDecay([3, 5], [1.0, 0.5, 0.1])
    assert [piece(t) for t in range(7)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


def test_off_by_one_schedule_would_fail():
    """A schedule shifted by one step (lr(t+1) instead of lr(t)) is caught by the comparison."""
    schedule = L.ExponentialDecay(0.1, 0.99)
    theirs = paddle_values(paddle_scheduler(schedule), 50)
    shifted = np.array([schedule(t + 1) for t in range(50)])
    assert np.abs(shifted - theirs).max() > 1e-4


OPT_STEPS = 500
# One update from the same point (resync=True, as in tests/unit/test_optimizers.py, whose docstring says why): a few
# float32 ulps of parameters ~1 (the learning rate is a float32 tensor in Paddle), measured at most 8.9e-8.
FLOAT32_TOL = 1e-6
SCHEDULED = {
    "SGD+CosineAnnealingDecay": lambda m: SimpleBatchGD(L.CosineAnnealingDecay(0.1, 200, 0.001), m),
    "SGD+PiecewiseDecay": lambda m: SimpleBatchGD(L.PiecewiseDecay([100, 300], [0.1, 0.02, 0.004]), m),
    "SGD+CyclicLR": lambda m: SimpleBatchGD(L.CyclicLR(0.001, 0.1, 60, 40), m),
    "Adagrad+InverseTimeDecay": lambda m: Adagrad(L.InverseTimeDecay(0.5, 0.01), m, 1e-7),
    "RMSprop+NaturalExpDecay": lambda m: RMSprop(L.NaturalExpDecay(0.01, 0.005), m, 0.9, 1e-7),
    "Adam(eps=0)+LinearWarmup": lambda m: Adam(L.LinearWarmup(L.ExponentialDecay(0.1, 0.995), 40, 0.0, 0.1), m,
                                               0.9, 0.99, 0.0),
    "AdaDelta+ExponentialDecay": lambda m: AdaDelta(L.ExponentialDecay(1.0, 0.995), m, 0.9, 1e-6),
    "AdamW(eps=0)+CosineAnnealingDecay": lambda m: AdamW(L.CosineAnnealingDecay(0.1, 250), m, 0.9, 0.99, 0.0, 0.1),
}


@pytest.mark.parametrize("name", SCHEDULED)
def test_scheduled_optimizer_matches_paddle_with_same_scheduler(name, fitting_data):
    deviations = compare_with_paddle(SCHEDULED[name], *fitting_data, steps=OPT_STEPS, resync=True)
    assert deviations.max() <= FLOAT32_TOL, f"{name}: largest deviation {deviations.max():.3g}"


def test_constant_schedule_off_by_one_in_optimizer_would_fail(fitting_data):
    """The optimizer must use schedule(t-1) at its t-th update; using schedule(t) is caught."""

    class Shifted(SimpleBatchGD):
        @property
        def lr(self):
            return self.lr_schedule(self.t)

        init_lr = lr

    deviations = compare_with_paddle(lambda m: Shifted(L.ExponentialDecay(0.1, 0.99), m), *fitting_data, steps=100,
                                     resync=True)
    assert deviations.max() > 1e-5  # measured 1.5e-3


@pytest.mark.parametrize("cls", [Momentum, Nesterov])
def test_momentum_forms_differ_from_paddle_once_lr_changes(cls, fitting_data):
    """Book form: only the new gradient gets α_t; Paddle: α_t multiplies the whole velocity. Equal for constant α."""
    constant = compare_with_paddle(lambda m: cls(0.01, m, 0.9), *fitting_data, steps=200, resync=True)
    changing = compare_with_paddle(lambda m: cls(L.CyclicLR(0.001, 0.05, 20), m, 0.9), *fitting_data, steps=200,
                                   resync=True)
    assert constant.max() <= FLOAT32_TOL
    assert changing.max() > 1e-3  # measured 0.11 and 0.12


def test_optimizer_lr_follows_schedule():
    model = OptimizedFunction([0.2, 2])
    schedule = L.ExponentialDecay(0.1, 0.5)
    optimizer = SimpleBatchGD(schedule, model)
    assert optimizer.lr == 0.1 and optimizer.init_lr == 0.1  # before the first update: the first update's lr
    x = paddle.to_tensor([3.0, 4.0])
    seen = []
    for _ in range(4):
        model(x)
        model.backward()
        before = x.numpy().copy()
        optimizer.step()
        x = model.params["x"]
        seen.append(optimizer.lr)
        grad = model.grads["x"].numpy()
        np.testing.assert_allclose(x.numpy(), before - optimizer.lr * grad, rtol=1e-6)
    assert seen == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_paddle_counterpart_uses_a_scheduler():
    model = Linear(2)
    optimizer = Adam(L.CosineAnnealingDecay(0.1, 10), model, 0.9, 0.99, 0.0)
    reference = paddle_counterpart(optimizer, [paddle.create_parameter([1], "float32")])
    assert isinstance(reference._learning_rate, paddle.optimizer.lr.CosineAnnealingDecay)


@pytest.mark.parametrize("make, argument", [
    (lambda: L.ExponentialDecay(0.1, 1.0), "gamma"),
    (lambda: L.ExponentialDecay(-0.1, 0.9), "init_lr"),
    (lambda: L.InverseTimeDecay(0.1, 0), "gamma"),
    (lambda: L.NaturalExpDecay(float("nan"), 0.1), "init_lr"),
    (lambda: L.CosineAnnealingDecay(0.1, 0), "T_max"),
    (lambda: L.CosineAnnealingDecay(0.1, 10, eta_min=0.2), "eta_min"),
    (lambda: L.PiecewiseDecay([10, 5], [0.1, 0.05, 0.01]), "boundaries"),
    (lambda: L.PiecewiseDecay([10], [0.1]), "values"),
    (lambda: L.LinearWarmup(0.1, 0, 0.0, 0.1), "warmup_steps"),
    (lambda: L.LinearWarmup(0.1, 10, 0.1, 0.05), "end_lr"),
    (lambda: L.CyclicLR(0.1, 0.01, 10), "max_lr"),
    (lambda: L.CyclicLR(0.01, 0.1, 10, mode="sine"), "mode"),
    (lambda: L.CyclicLR(0.01, 0.1, 10, 0), "step_size_down"),
    (lambda: L.CyclicLR(0.01, 0.1, 10, exp_gamma=1.5), "exp_gamma"),
])
def test_bad_schedule_argument_is_named(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


@pytest.mark.parametrize("make, argument", [
    (lambda: L.LinearWarmup("0.1", 10, 0.0, 0.1), "learning_rate"),
    (lambda: L.CyclicLR(0.01, 0.1, 2.5), "step_size_up"),
    (lambda: L.PiecewiseDecay([10.0], [0.1, 0.01]), "boundaries"),
])
def test_schedule_argument_of_the_wrong_type_is_named(make, argument):
    with pytest.raises(TypeError, match=argument):
        make()


@pytest.mark.parametrize("t, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("3", TypeError)])
def test_bad_step_is_named(t, error):
    with pytest.raises(error, match=r"^t（已做的更新次数） 必须是"):
        L.ExponentialDecay(0.1, 0.9)(t)


def test_paddle_scheduler_rejects_unknown_schedule():
    class Custom(L.LRSchedule):
        def value(self, t):
            return 0.1

    with pytest.raises(TypeError, match="Custom"):
        paddle_scheduler(Custom())
