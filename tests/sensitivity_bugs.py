"""Plausible bugs that the notebooks' stored outputs must catch: the sensitivity test applies each one to a temporary
copy of the project and asserts that nbval on the listed notebooks FAILS (and the unmodified copy passes)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    name: str          # short English description
    path: str          # file relative to the project root
    old: str           # exact text that must occur exactly once in the file
    new: str           # replacement
    notebooks: tuple   # notebook paths (relative) whose nbval must fail


EXERCISES_7_3 = ("notebooks/7-3-exercises.ipynb",)

BUGS = [
    # ---- exercises 7.3–7.6 (notebooks/7-3-exercises.ipynb) ----
    Bug("AdamW applies the decoupled decay after the Adam step instead of before",
        "nndl/op/optimizers.py",
        "        decayed = x - self.lr * self.weight_decay * x\n        return super().update(decayed, g, state)",
        "        stepped = super().update(x, g, state)\n        return stepped - self.lr * self.weight_decay * stepped",
        EXERCISES_7_3),
    Bug("AdaDelta puts epsilon outside the square roots",
        "nndl/op/optimizers.py",
        "delta = -paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g",
        "delta = -(paddle.sqrt(state.delta_X2) + self.epsilon) / (paddle.sqrt(state.G) + self.epsilon) * g",
        EXERCISES_7_3),
    Bug("the optimizer asks the schedule one step ahead (schedule(t) at the t-th update)",
        "nndl/op/base.py",
        "return self.lr_schedule(max(self.t - 1, 0))",
        "return self.lr_schedule(self.t)",
        EXERCISES_7_3),
    Bug("ExponentialDecay off by one step",
        "nndl/lr.py",
        "return self.init_lr * self.gamma ** t",
        "return self.init_lr * self.gamma ** (t + 1)",
        EXERCISES_7_3),
    Bug("Nesterov loses its look-ahead term (plain momentum)",
        "nndl/op/optimizers.py",
        "return x + self.rho * state.delta - self.lr * g",
        "return x + state.delta",
        EXERCISES_7_3),
    Bug("the MNIST exercise builds paddle.optimizer.Adam (L2) when asked for AdamW",
        "nndl/mnist_tasks.py",
        '"AdamW": ("AdamW", ("beta1", "beta2", "epsilon", "weight_decay")),',
        '"AdamW": ("Adam", ("beta1", "beta2", "epsilon", "weight_decay")),',
        EXERCISES_7_3),
]
