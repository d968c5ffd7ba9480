"""`compare_with_paddle(resync=True)`: each step starts both sides from the same parameters.

7.3.2's RMSprop at lr 0.1 hops around the optimum, which amplifies float32 rounding: two free-running runs that differ
by rounding drift apart, by an amount that depends on the CPU (the free-running hand-written-vs-Paddle deviation
peaks at 0.064 on an AMD EPYC and at 0.0135 on the same machine with MKL_CBWR=AVX2; after step 300 it is 6e-5 there
and was above 1e-3 on the machine this test was first written on), so a free-running "equal within 1e-6" claim
depends on the CPU. Resynchronising after every
step measures one update from the same point, which is a few float32 ulps on any CPU, while a wrong formula still
differs at the first step.
"""

import numpy as np
import paddle

from nndl.check import compare_with_paddle
from nndl.loops import cycled_minibatches
from nndl.op import Linear, RMSprop

STEPS = 480
ONE_STEP_TOL = 1e-6  # parameters of size ~1: one update differs by a few float32 ulps (1.2e-7 each)
NUDGE = 1e-7  # the starting difference: about one float32 ulp of the parameters (~1), what one rounding leaves


def rms(m, lr=0.1):
    return RMSprop(lr, m, 0.9, 1e-7)


class SwappedBeta(RMSprop):
    """The plausible bug: β and 1 − β swapped in the moving average."""

    def update(self, x, g, state):
        state.G = (1 - self.beta) * state.G + self.beta * g * g
        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g


def test_resync_measures_one_step_within_rounding(fitting_data):
    deviations = compare_with_paddle(rms, *fitting_data, steps=STEPS, resync=True)
    assert len(deviations) == STEPS
    assert deviations.max() < ONE_STEP_TOL, f"largest one-step deviation {deviations.max():.3g}"


def test_resync_still_catches_a_wrong_formula_at_the_first_step(fitting_data):
    deviations = compare_with_paddle(lambda m: SwappedBeta(0.1, m, 0.9, 1e-7), *fitting_data, steps=5, resync=True)
    assert deviations[0] > 1e-2


def nudged_divergence(make_optimizer, X, y, steps=STEPS):
    """Two runs of the same hand-written optimizer, same code and same batches, the second started with W moved by
    NUDGE: the largest parameter difference over `steps` steps, and the difference at the start."""
    runs = []
    for nudge in (0.0, NUDGE):
        paddle.seed(0)
        model = Linear(X.shape[1])
        model.params["W"] = model.params["W"] + nudge
        optimizer = make_optimizer(model)
        start = model.params["W"].numpy().copy()
        path = []
        for x_batch, y_batch in cycled_minibatches(X, y, 64, steps):
            model(x_batch)
            model.backward(y_batch)
            optimizer.step()
            path.append(np.concatenate([model.params["W"].numpy().ravel(), model.params["b"].numpy().ravel()]))
        runs.append((start, np.array(path)))
    (start_a, a), (start_b, b) = runs
    return float(np.abs(a - b).max()), float(np.abs(start_a - start_b).max())


def test_without_resync_the_rounding_is_amplified(fitting_data):
    """The reason for resync, measured in a way that gives one verdict on every CPU.

    Comparing the free-running hand-written run with Paddle's (what this test did before) measures how the two code
    paths happen to round on this CPU and then how the dynamics amplify that; both parts vary between machines, and
    where the two paths rounded alike there would be nothing to amplify. Here the starting difference is controlled
    instead: the same hand-written RMSprop, run twice on the same batches in the same process, one run started one
    rounding (NUDGE ≈ 1 ulp) away. What grows is then a property of 7.3.2's dynamics at lr 0.1, not of a CPU: the
    nudge grows to 0.024 (AMD EPYC, AVX-512) and 0.046 (MKL_CBWR=AVX2 or COMPATIBLE), largest around step 144.
    The bound 1e3 × ONE_STEP_TOL = 1e-3 sits 24× below the smaller of those, so any rounding difference, however
    small and wherever it arises, ends up far above what resync's one-step bound allows.
    """
    grown, start = nudged_divergence(rms, *fitting_data)
    assert 0 < start <= 2 * NUDGE  # the nudge survived float32 rounding and is one or two ulps
    assert grown > 1e3 * ONE_STEP_TOL, f"a nudge of {start:.2g} grew only to {grown:.3g}"


def test_the_amplification_check_fails_where_the_dynamics_do_not_amplify(fitting_data):
    """The check above can fail: the same measurement on a run that converges smoothly (RMSprop at lr 0.01, which does
    not hop around the optimum) keeps the nudge near its size (measured 1.2e-5 to 2.1e-5, 50× below the bound)."""
    grown, _ = nudged_divergence(lambda m: rms(m, lr=0.01), *fitting_data)
    assert grown < 1e3 * ONE_STEP_TOL, f"lr 0.01 amplified the nudge to {grown:.3g}"
