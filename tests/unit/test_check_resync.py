"""`compare_with_paddle(resync=True)`: each step starts both sides from the same parameters.

7.3.2's RMSprop at lr 0.1 hops around the optimum, which amplifies float32 rounding: two free-running copies of
the same algorithm drift apart (by ~1e-6 after 50 steps on one CPU, ~2e-7 on another, ~0.1 after 300 steps), so a
free-running "equal within 1e-6" claim depends on the CPU. Resynchronising after every step measures one update
from the same point, which is a few float32 ulps on any CPU, while a wrong formula still differs at the first step.
"""

import paddle

from nndl.check import compare_with_paddle
from nndl.op import RMSprop

STEPS = 480
ONE_STEP_TOL = 1e-6  # parameters of size ~1: one update differs by a few float32 ulps (1.2e-7 each)


def rms(m):
    return RMSprop(0.1, m, 0.9, 1e-7)


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


def test_without_resync_the_rounding_is_amplified(fitting_data):
    """The reason for resync: the free-running deviation grows far beyond one step's rounding."""
    free = compare_with_paddle(rms, *fitting_data, steps=STEPS)
    assert free[300:].max() > 1e3 * ONE_STEP_TOL
