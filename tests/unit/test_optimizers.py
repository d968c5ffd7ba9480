"""The hand-written optimizers against paddle.optimizer, step for step, and the book's defects fixed.

Where the book's formula and Paddle's differ (the place of ε), `nndl.check.paddle_counterpart` configures
Paddle so that both compute the same update; its docstring states each difference:
- AdaGrad: book √(G+ε), Paddle √G+ε → Paddle with initial_accumulator_value=ε, epsilon=0 is the book's formula;
- RMSprop: both √(G+ε) (Paddle's momentum=0, centered=False);
- Momentum: book Δθ=ρΔθ−αg, Paddle v=ρv+g, θ−=αv; equal for a constant α;
- Adam: book α/√(Ĝ+ε), Paddle α/(√Ĝ+ε): equal only for ε=0, so the exact check uses ε=0 and a second
  check bounds the deviation the book's ε=1e-7 causes.

Every comparison resynchronises (`compare_with_paddle(resync=True)`): each step starts both sides from the same
parameters, each side's optimizer state following its own gradients. Free-running, a rounding difference between
the two code paths is amplified by the training itself (RMSprop at lr 0.1 hops around the optimum:
tests/unit/test_check_resync.py), by an amount that depends on the CPU; one step from the same point differs by a few
float32 ulps on any CPU (measured at most 1.2e-7 here, for every optimizer below), while each plausible bug below
still differs by 0.01 or more.
"""

import numpy as np
import paddle
import pytest

from nndl.check import compare_with_paddle, paddle_counterpart
from nndl.op import (Adagrad, Adam, Linear, Momentum, NonFiniteError, OptimizedFunction, OptimizedFunction3D,
                     Optimizer, RMSprop, SimpleBatchGD)

STEPS = 50
FLOAT32_TOL = 5e-7  # one update from the same point: a few float32 ulps (1.2e-7 each) of parameters of size ~1

OPTIMIZERS = {
    "SimpleBatchGD": lambda m: SimpleBatchGD(0.01, m),
    "Adagrad": lambda m: Adagrad(0.1, m, 1e-7),
    "RMSprop": lambda m: RMSprop(0.1, m, 0.9, 1e-7),
    "Momentum": lambda m: Momentum(0.01, m, 0.9),
    "Adam(epsilon=0)": lambda m: Adam(0.1, m, 0.9, 0.99, 0.0),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_matches_paddle_step_for_step(name, fitting_data):
    deviations = compare_with_paddle(OPTIMIZERS[name], *fitting_data, steps=STEPS, resync=True)
    assert len(deviations) == STEPS
    assert deviations.max() <= FLOAT32_TOL, f"{name}: largest deviation {deviations.max():.3g}"


class PaddleEpsilonAdam(Adam):
    """Paddle's formula α/(√Ĝ+ε): ε outside the root, the book's ε moved (the bug the next test must catch)."""

    def update(self, x, g, state):
        state.M = self.beta1 * state.M + (1 - self.beta1) * g
        state.G = self.beta2 * state.G + (1 - self.beta2) * g * g
        M_hat = state.M / (1 - self.beta1 ** self.t)
        G_hat = state.G / (1 - self.beta2 ** self.t)
        return x - self.init_lr / (paddle.sqrt(G_hat) + self.epsilon) * M_hat


def small_gradients(fitting_data):
    """The same problem with inputs and targets scaled by 1e-2: gradients ~1e-4, so Ĝ ~ 1e-8 is below ε = 1e-7."""
    X, y = fitting_data
    return X * 1e-2, y * 1e-2


def test_adam_with_book_epsilon_is_close_but_not_paddle_formula(fitting_data):
    """Close: on the chapter's problem (gradients ~1, Ĝ ≫ ε) ε=1e-7 inside the root (book) or outside (Paddle)
    changes a step by far less than 1e-5. But not Paddle's formula: where Ĝ is below ε the place of ε decides
    the step (book ~α/√ε, Paddle ~α/ε·M̂), and one step from the same point differs by more than 0.01 (measured
    0.068; free-running the runs part by 0.80 after 50 steps)."""
    deviations = compare_with_paddle(lambda m: Adam(0.1, m, 0.9, 0.99, 1e-7), *fitting_data, steps=STEPS, resync=True)
    assert deviations.max() < 1e-5
    deviations = compare_with_paddle(lambda m: Adam(0.1, m, 0.9, 0.99, 1e-7), *small_gradients(fitting_data),
                                     steps=STEPS, resync=True)
    assert deviations.max() > 0.01, f"largest deviation {deviations.max():.3g}: ε is where Paddle puts it"


def test_adam_with_paddle_epsilon_would_fail_the_but_not_check(fitting_data):
    """The check above can fail: Paddle's formula (ε outside the root) agrees with Paddle to float32 rounding."""
    deviations = compare_with_paddle(lambda m: PaddleEpsilonAdam(0.1, m, 0.9, 0.99, 1e-7),
                                     *small_gradients(fitting_data), steps=STEPS, resync=True)
    assert deviations.max() <= FLOAT32_TOL


class BookAdamCounter(Adam):
    """The book's Adam: `t` advances once per parameter key instead of once per step()."""

    def update(self, x, g, state):
        new_x = super().update(x, g, state)
        self.t += 1
        return new_x


def test_book_adam_counter_would_fail_the_paddle_check(fitting_data):
    deviations = compare_with_paddle(lambda m: BookAdamCounter(0.1, m, 0.9, 0.99, 0.0), *fitting_data, steps=STEPS,
                                     resync=True)
    assert deviations.max() > 1e-3  # measured 0.026


def test_adam_step_counter_advances_once_per_step(fitting_data):
    X, y = fitting_data
    model = Linear(2)
    optimizer = Adam(0.1, model, 0.9, 0.99, 1e-7)
    for expected in range(1, 4):
        model(X[:64])
        model.backward(y[:64])
        optimizer.step()
        assert optimizer.t == expected


def test_paddle_counterpart_rejects_unknown_optimizer():
    class Custom(Optimizer):
        def update(self, x, g, state):
            return x

    model = OptimizedFunction([0.2, 2])
    with pytest.raises(TypeError, match="Custom"):
        paddle_counterpart(Custom(0.1, model), [])


ALL_2D = {
    "SimpleBatchGD": lambda m: SimpleBatchGD(0.2, m),
    "Adagrad": lambda m: Adagrad(0.5, m, 1e-7),
    "RMSprop": lambda m: RMSprop(0.1, m, 0.9, 1e-7),
    "Momentum": lambda m: Momentum(0.01, m, 0.9),
    "Adam": lambda m: Adam(0.2, m, 0.9, 0.99, 1e-7),
}


@pytest.mark.parametrize("name", ALL_2D)
def test_step_never_mutates_the_callers_tensor(name):
    """The book updates x with `x -= ...`, so a shared x_init moved under every later optimizer."""
    x_init = paddle.to_tensor([3.0, 4.0])
    model = OptimizedFunction([0.2, 2])
    optimizer = ALL_2D[name](model)
    x = x_init
    for _ in range(3):
        model(x)
        model.backward()
        grad_before = model.grads["x"].numpy().copy()
        optimizer.step()
        np.testing.assert_array_equal(model.grads["x"].numpy(), grad_before)
        x = model.params["x"]
    np.testing.assert_array_equal(x_init.numpy(), [3.0, 4.0])
    assert not np.allclose(x.numpy(), [3.0, 4.0])


@pytest.mark.parametrize("lr, error", [(0, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
                                       (float("inf"), ValueError), ("0.1", TypeError), (True, TypeError),
                                       (None, TypeError)])
def test_bad_learning_rate_is_named(lr, error):
    with pytest.raises(error, match="init_lr"):
        SimpleBatchGD(lr, OptimizedFunction([0.2, 2]))


@pytest.mark.parametrize("make, argument", [
    (lambda m: Adagrad(0.1, m, -1e-7), "epsilon"),
    (lambda m: RMSprop(0.1, m, 1.0, 1e-7), "beta"),
    (lambda m: Momentum(0.1, m, -0.5), "rho"),
    (lambda m: Adam(0.1, m, 0.9, 1.5, 1e-7), "beta2"),
    (lambda m: Adam(0.1, m, float("nan"), 0.99, 1e-7), "beta1"),
])
def test_bad_hyperparameter_is_named(make, argument):
    with pytest.raises(ValueError, match=argument):
        make(OptimizedFunction([0.2, 2]))


def test_model_without_dicts_is_rejected():
    with pytest.raises(TypeError, match="params"):
        SimpleBatchGD(0.1, object())


def test_params_and_grads_with_different_keys():
    model = Linear(2)
    model.grads = {"W": paddle.zeros([2, 1])}
    with pytest.raises(KeyError, match="'b'"):
        SimpleBatchGD(0.1, model).step()


def test_params_and_grads_with_different_shapes():
    model = Linear(2)
    model.grads = {"W": paddle.zeros([1, 2]), "b": paddle.zeros([1])}
    with pytest.raises(ValueError, match=r"params\['W'\].*\[2, 1\].*\[1, 2\]"):
        SimpleBatchGD(0.1, model).step()


def test_step_before_backward_is_explained():
    with pytest.raises(TypeError, match="backward"):
        SimpleBatchGD(0.1, OptimizedFunction3D()).step()


def test_divergence_is_reported_with_its_step_and_loses_nothing():
    """The book's Momentum run on the 3D function crosses the saddle at (1/4, -1/2) and overflows."""
    model = OptimizedFunction3D()
    optimizer = Momentum(0.01, model, 0.9)
    x = paddle.to_tensor([2.0, 3.0])
    with pytest.raises(NonFiniteError, match=r"步更新后参数 'x' 出现非有限值") as caught:
        for _ in range(150):
            model(x)
            model.backward()
            last_finite = model.params["x"].numpy().copy()
            optimizer.step()
            x = model.params["x"]
    err = caught.value
    assert err.key == "x" and 1 < err.step <= 150 and err.step == optimizer.t
    assert f"第 {err.step} 步" in str(err)
    np.testing.assert_array_equal(model.params["x"].numpy(), last_finite)
    assert np.isfinite(last_finite).all()
