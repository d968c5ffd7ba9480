"""nndl.init: the Xavier and He (Kaiming) helpers of 7.4 and exercise 7.7, against Paddle's own initializers.

Paddle's initializers and ours are compared *in distribution*: a large weight matrix is drawn by
paddle.nn.initializer.XavierNormal (etc.) and by Normal/Uniform with our std or r, and the empirical standard
deviations are compared with the formula. Tolerance: the sample standard deviation of n i.i.d. draws has relative
standard error sqrt((kurtosis - 1) / (4 n)): 1/sqrt(2n) for a Gaussian (kurtosis 3) and sqrt(0.2/n) ~ 0.447/sqrt(n)
for a uniform (kurtosis 9/5). With n = 240 000 draws these are 0.14% and 0.09%; we allow 6 standard errors
(a false alarm has probability ~1e-9), far below the 29% a wrong factor of 2 under the root would make.
"""

import math

import numpy as np
import paddle
import pytest

from nndl.init import kaiming_normal_std, kaiming_uniform_r, xavier_normal_std, xavier_uniform_r

FAN_IN, FAN_OUT = 400, 600
N = FAN_IN * FAN_OUT
GAUSS_TOL = 6 / math.sqrt(2 * N)
UNIFORM_TOL = 6 * math.sqrt(0.2 / N)


def draw(initializer, seed):
    """A [FAN_IN, FAN_OUT] weight as nn.Linear(FAN_IN, FAN_OUT) draws it with this initializer."""
    paddle.seed(seed)
    layer = paddle.nn.Linear(FAN_IN, FAN_OUT, weight_attr=paddle.ParamAttr(initializer=initializer))
    return layer.weight.numpy().astype(np.float64)


def test_formulas():
    assert xavier_normal_std(100, 200) == pytest.approx(math.sqrt(2 / 300), rel=1e-15)
    assert xavier_uniform_r(100, 200) == pytest.approx(math.sqrt(6 / 300), rel=1e-15)
    assert kaiming_normal_std(100) == pytest.approx(math.sqrt(2 / 100), rel=1e-15)
    assert kaiming_uniform_r(100) == pytest.approx(math.sqrt(6 / 100), rel=1e-15)
    # He ignores the number of outputs, so it can stand where MLP calls init_fn(input_size, output_size).
    assert kaiming_normal_std(100, 7) == kaiming_normal_std(100)
    assert kaiming_uniform_r(100, 7) == kaiming_uniform_r(100)
    # U[-r, r] has variance r^2 / 3: Xavier's uniform and Gaussian versions have the same variance.
    assert xavier_uniform_r(30, 70) ** 2 / 3 == pytest.approx(xavier_normal_std(30, 70) ** 2, rel=1e-12)
    assert kaiming_uniform_r(30) ** 2 / 3 == pytest.approx(kaiming_normal_std(30) ** 2, rel=1e-12)


CASES = {  # name: (our distribution's kind and scale, Paddle's initializer)
    "xavier_normal": ("normal", xavier_normal_std(FAN_IN, FAN_OUT), paddle.nn.initializer.XavierNormal),
    "xavier_uniform": ("uniform", xavier_uniform_r(FAN_IN, FAN_OUT), paddle.nn.initializer.XavierUniform),
    "kaiming_normal": ("normal", kaiming_normal_std(FAN_IN), paddle.nn.initializer.KaimingNormal),
    "kaiming_uniform": ("uniform", kaiming_uniform_r(FAN_IN), paddle.nn.initializer.KaimingUniform),
}


@pytest.mark.parametrize("name", CASES)
def test_same_distribution_as_paddle(name):
    kind, scale, theirs = CASES[name]
    if kind == "normal":
        ours, std, tol = paddle.nn.initializer.Normal(0.0, scale), scale, GAUSS_TOL
    else:
        ours, std, tol = paddle.nn.initializer.Uniform(-scale, scale), scale / math.sqrt(3), UNIFORM_TOL
    w_ours, w_paddle = draw(ours, seed=1), draw(theirs(), seed=2)
    for w in (w_ours, w_paddle):
        # The empirical std is the formula's (Paddle's side: its initializer draws what our helper says)...
        assert abs(w.std() / std - 1) < tol
        # ...the mean is ~0 (standard error std / sqrt(N))...
        assert abs(w.mean()) < 6 * std / math.sqrt(N)
        # ...and the family is the same: a uniform has no draw beyond r and its largest draw is within 1e-3 r of
        # it (P(max |w| < (1 - 1e-3) r) = (1 - 1e-3)^N ~ e^-240); a Gaussian of this size has draws beyond 4 std
        # (expected count N * 6.3e-5 ~ 15).
        if kind == "uniform":
            assert (1 - 1e-3) * scale < np.abs(w).max() <= scale * (1 + 1e-6)
        else:
            assert np.abs(w).max() > 4 * std
    # The two empirical stds agree with each other (the difference of two estimates: sqrt(2) standard errors).
    assert abs(w_ours.std() / w_paddle.std() - 1) < math.sqrt(2) * tol


def test_wrong_fans_are_detected():
    """The tolerance is tight enough to tell the formula from the plausible mistakes (the test can fail)."""
    w = draw(paddle.nn.initializer.XavierNormal(), seed=0)
    for wrong in (math.sqrt(1 / (FAN_IN + FAN_OUT)), math.sqrt(2 / FAN_IN), math.sqrt(2 / FAN_OUT)):
        assert abs(w.std() / wrong - 1) > 10 * GAUSS_TOL


@pytest.mark.parametrize("call, word, error", [
    (lambda: xavier_normal_std(0, 10), "input_size", ValueError),
    (lambda: xavier_normal_std(10, -1), "output_size", ValueError),
    (lambda: xavier_uniform_r(2.5, 10), "input_size", TypeError),
    (lambda: xavier_uniform_r(10, True), "output_size", TypeError),
    (lambda: kaiming_normal_std("100"), "input_size", TypeError),
    (lambda: kaiming_normal_std(100, 0), "output_size", ValueError),
    (lambda: kaiming_uniform_r(None), "input_size", TypeError),
])
def test_bad_input_names_the_argument(call, word, error):
    with pytest.raises(error, match=word):
        call()
