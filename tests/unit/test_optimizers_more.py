"""AdaDelta, Nesterov and AdamW against paddle.optimizer, step for step (exercises 7.4, 7.5 and beyond the book).

Paddle's conventions found from its behaviour (and asserted here by checks that a plausible alternative fails):
- Adadelta: ε inside both roots, sqrt((E[Δx²]+ε)/(E[g²]+ε)); E[Δx²] accumulates the update BEFORE it is multiplied
  by learning_rate; the parameter moves by learning_rate × update.
- Momentum(use_nesterov=True): v = ρv + g, θ -= α(g + ρv).
- AdamW: θ ← θ − αλθ − Adam step, the decay acting on the parameter BEFORE this update, multiplied by α.
"""

import numpy as np
import paddle
import pytest

from nndl.check import compare_with_paddle
from nndl.op import AdaDelta, Adam, AdamW, Linear, Nesterov, OptimizedFunction

STEPS = 500
# One update from the same point (resync=True, as in tests/unit/test_optimizers.py, whose docstring says why):
# a few float32 ulps of parameters of size ~1, measured at most 1.2e-7; every wrong variant below gives 0.005 or more.
FLOAT32_TOL = 1e-6


OPTIMIZERS = {
    "AdaDelta(lr=1, book)": lambda m: AdaDelta(1.0, m, 0.9, 1e-6),
    "AdaDelta(lr=0.5, Paddle's rho, eps)": lambda m: AdaDelta(0.5, m, 0.95, 1e-6),
    "AdaDelta(large eps)": lambda m: AdaDelta(1.0, m, 0.9, 1e-2),
    "Nesterov": lambda m: Nesterov(0.01, m, 0.9),
    "Nesterov(lr=0.05)": lambda m: Nesterov(0.05, m, 0.8),
    "AdamW(eps=0, wd=0.01)": lambda m: AdamW(0.1, m, 0.9, 0.99, 0.0, 0.01),
    "AdamW(eps=0, wd=0.5)": lambda m: AdamW(0.1, m, 0.9, 0.99, 0.0, 0.5),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_matches_paddle_step_for_step(name, fitting_data):
    deviations = compare_with_paddle(OPTIMIZERS[name], *fitting_data, steps=STEPS, resync=True)
    assert len(deviations) == STEPS
    assert deviations.max() <= FLOAT32_TOL, f"{name}: largest deviation {deviations.max():.3g}"


def test_adamw_with_epsilon_is_close(fitting_data):
    """ε inside the root (book's Adam) vs outside (Paddle): close, not equal, as for Adam."""
    deviations = compare_with_paddle(lambda m: AdamW(0.1, m, 0.9, 0.99, 1e-8, 0.01), *fitting_data, steps=STEPS,
                                     resync=True)
    assert deviations.max() < 1e-4  # measured 1.0e-6


def test_adamw_with_zero_decay_is_adam(fitting_data):
    X, y = fitting_data
    results = []
    for cls, extra in ((Adam, ()), (AdamW, (0.0,))):
        paddle.seed(0)
        model = Linear(2)
        optimizer = cls(0.1, model, 0.9, 0.99, 1e-7, *extra)
        for start in range(0, 640, 64):
            model(X[start:start + 64])
            model.backward(y[start:start + 64])
            optimizer.step()
        results.append(model.params["W"].numpy())
    np.testing.assert_array_equal(results[0], results[1])


class DecayAfter(AdamW):
    """Wrong: decay applied to the parameter after the Adam step."""

    def update(self, x, g, state):
        stepped = Adam.update(self, x, g, state)
        return stepped - self.lr * self.weight_decay * stepped


class DecayWithoutLr(AdamW):
    """Wrong: decay not multiplied by the learning rate."""

    def update(self, x, g, state):
        return Adam.update(self, x - self.weight_decay * x, g, state)


class DecayInGradient(AdamW):
    """Wrong: L2 regularization (λθ added to the gradient, so it is divided by √Ĝ) instead of decoupled decay."""

    def update(self, x, g, state):
        return Adam.update(self, x, g + self.weight_decay * x, state)


@pytest.mark.parametrize("cls", [DecayAfter, DecayWithoutLr, DecayInGradient])
def test_wrong_adamw_variants_fail_the_check(cls, fitting_data):
    deviations = compare_with_paddle(lambda m: cls(0.1, m, 0.9, 0.99, 0.0, 0.5), *fitting_data, steps=STEPS,
                                     resync=True)
    assert deviations.max() > 1e-4  # measured 0.005 (DecayAfter) to 0.34


class EpsilonOutside(AdaDelta):
    """Wrong: ε outside the roots."""

    def update(self, x, g, state):
        state.G = self.beta * state.G + (1 - self.beta) * g * g
        delta = -(paddle.sqrt(state.delta_X2) + self.epsilon) / (paddle.sqrt(state.G) + self.epsilon) * g
        state.delta_X2 = self.beta * state.delta_X2 + (1 - self.beta) * delta * delta
        return x + self.lr * delta


class AccumulateScaledUpdate(AdaDelta):
    """Wrong: ΔX² accumulates the update after multiplying by the learning rate."""

    def update(self, x, g, state):
        state.G = self.beta * state.G + (1 - self.beta) * g * g
        delta = -self.lr * paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g
        state.delta_X2 = self.beta * state.delta_X2 + (1 - self.beta) * delta * delta
        return x + delta


@pytest.mark.parametrize("cls", [EpsilonOutside, AccumulateScaledUpdate])
def test_wrong_adadelta_variants_fail_the_check(cls, fitting_data):
    deviations = compare_with_paddle(lambda m: cls(0.5, m, 0.9, 1e-4), *fitting_data, steps=STEPS, resync=True)
    assert deviations.max() > 1e-4  # measured 0.013 and 0.030


def test_plain_momentum_would_fail_the_nesterov_check(fitting_data):
    """Nesterov's extra look-ahead term matters: plain momentum against Momentum(use_nesterov=True) differs."""
    from nndl.check import paddle_counterpart
    from nndl.op import Momentum

    class PlainAsNesterov(Nesterov):
        def update(self, x, g, state):
            return Momentum.update(self, x, g, state)

    deviations = compare_with_paddle(lambda m: PlainAsNesterov(0.01, m, 0.9), *fitting_data, steps=100, resync=True)
    assert deviations.max() > 1e-3  # measured 0.014
    W = paddle.create_parameter([2, 1], "float32")
    assert paddle_counterpart(Nesterov(0.01, Linear(2), 0.9), [W])._use_nesterov


def test_adadelta_first_step_is_sqrt_eps_over_rms():
    """With ΔX²₀ = 0 the first step is sqrt(ε)/sqrt((1-β)g² + ε)·g, tiny for small ε: AdaDelta starts slowly."""
    model = OptimizedFunction([0.2, 2])
    optimizer = AdaDelta(1.0, model, 0.9, 1e-6)
    x = paddle.to_tensor([3.0, 4.0])
    model(x)
    model.backward()
    g = model.grads["x"].numpy()
    optimizer.step()
    expected = np.array([3.0, 4.0]) - np.sqrt(1e-6) / np.sqrt(0.1 * g * g + 1e-6) * g
    np.testing.assert_allclose(model.params["x"].numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("make, argument", [
    (lambda m: AdaDelta(0.1, m, 1.0, 1e-6), "beta"),
    (lambda m: AdaDelta(0.1, m, 0.9, -1.0), "epsilon"),
    (lambda m: AdaDelta(0, m, 0.9, 1e-6), "init_lr"),
    (lambda m: Nesterov(0.1, m, 1.2), "rho"),
    (lambda m: AdamW(0.1, m, 0.9, 0.99, 1e-8, -0.1), "weight_decay"),
    (lambda m: AdamW(0.1, m, 0.9, 0.99, 1e-8, float("inf")), "weight_decay"),
])
def test_bad_hyperparameter_is_named(make, argument):
    with pytest.raises(ValueError, match=argument):
        make(OptimizedFunction([0.2, 2]))


def test_hyperparameter_of_the_wrong_type_is_named():
    with pytest.raises(TypeError, match="weight_decay"):
        AdamW(0.1, OptimizedFunction([0.2, 2]), 0.9, 0.99, 1e-8, "0.01")


@pytest.mark.parametrize("make", [lambda m: AdaDelta(1.0, m, 0.9, 1e-6), lambda m: Nesterov(0.01, m, 0.9),
                                  lambda m: AdamW(0.2, m, 0.9, 0.99, 1e-7, 0.1)])
def test_step_never_mutates_the_callers_tensor(make):
    x_init = paddle.to_tensor([3.0, 4.0])
    model = OptimizedFunction([0.2, 2])
    optimizer = make(model)
    x = x_init
    for _ in range(3):
        model(x)
        model.backward()
        optimizer.step()
        x = model.params["x"]
    np.testing.assert_array_equal(x_init.numpy(), [3.0, 4.0])
    assert not np.allclose(x.numpy(), [3.0, 4.0])
