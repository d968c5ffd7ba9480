"""Plausible bugs a maintainer might commit; tests/test_sensitivity.py applies each one, alone, to a temporary
copy of the project and asserts that nbval on the listed notebooks FAILS (so the stored outputs really guard
what the pages claim).

Add a bug for everything you build: `old` must occur exactly once in `path`; `notebooks` lists every notebook
(relative path) that must catch it -- the test runs nbval on each listed notebook and requires each to fail.
Keep the list small per bug (only the notebooks whose compared outputs are meant to catch it): every listed
notebook costs one quick-profile execution in CI.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    name: str          # short English description
    path: str          # file relative to the project root
    old: str           # exact text that must occur exactly once in the file
    new: str           # replacement
    notebooks: tuple   # notebook paths (relative) whose nbval must fail


BUGS = [
    # --- 7.3 optimizers (nndl/op/optimizers.py) ---
    Bug("Adam bias correction off by one step",
        "nndl/op/optimizers.py",
        "M_hat = state.M / (1 - self.beta1 ** self.t)",
        "M_hat = state.M / (1 - self.beta1 ** (self.t + 1))",
        ("notebooks/7-3-3-momentum-adam.ipynb",)),
    Bug("RMSprop decay rate swapped with its complement",
        "nndl/op/optimizers.py",
        "state.G = self.beta * state.G + (1 - self.beta) * g * g",
        "state.G = (1 - self.beta) * state.G + self.beta * g * g",
        ("notebooks/7-3-2-adagrad-rmsprop.ipynb",)),
    Bug("Momentum: velocity decay rho swapped with 1 - rho",
        "nndl/op/optimizers.py",
        "state.delta = self.rho * state.delta - self.init_lr * g",
        "state.delta = (1 - self.rho) * state.delta - self.init_lr * g",
        ("notebooks/7-3-3-momentum-adam.ipynb",)),
    Bug("AdaGrad accumulates the gradient twice",
        "nndl/op/optimizers.py",
        "state.G = state.G + g * g",
        "state.G = state.G + 2 * g * g",
        ("notebooks/7-3-2-adagrad-rmsprop.ipynb",)),
    # --- the functions' gradients and the linear fit's backward (nndl/op/functions.py) ---
    Bug("2-D test function: gradient without the factor 2",
        "nndl/op/functions.py",
        'self.grads["x"] = 2 * self.w * self.params["x"]',
        'self.grads["x"] = self.w * self.params["x"]',
        ("notebooks/7-3-1-setup.ipynb",)),
    Bug("3-D test function: x1^3 term differentiated with coefficient 2",
        "nndl/op/functions.py",
        "2 * x1 + 3 * x1 * x1 + x0",
        "2 * x1 + 2 * x1 * x1 + x0",
        ("notebooks/7-3-4-3d-comparison.ipynb",)),
    Bug("Linear backward: bias gradient divided by K - 1",
        "nndl/op/functions.py",
        'self.grads["b"] = paddle.sum(error, axis=0) / K',
        'self.grads["b"] = paddle.sum(error, axis=0) / (K - 1)',
        ("notebooks/7-3-1-setup.ipynb",)),
    # --- 7.2: MNIST preprocessing and the book's settings ---
    Bug("MNIST images scaled to [-1, 1] instead of [0, 1]",
        "nndl/data.py",
        "return (images / 255).reshape(-1, 1, 28, 28)",
        "return (images / 127.5 - 1).reshape(-1, 1, 28, 28)",
        ("notebooks/7-2-batch-size.ipynb",)),
    Bug("7.2: learning rate of batch size 256 changed from 0.16 to 0.1",
        "nndl/sweep.py",
        "LEARNING_RATES = (0.01, 0.02, 0.04, 0.08, 0.16)",
        "LEARNING_RATES = (0.01, 0.02, 0.04, 0.08, 0.1)",
        ("notebooks/7-2-batch-size.ipynb",)),
    # --- 7.3.5: the book's settings ---
    Bug("7.3.5: Adam's learning rate in the 2-D experiment changed from 0.2 to 0.1",
        "nndl/compare.py",
        '"Adam": ({"init_lr": 0.2, **_ADAM}, 20),',
        '"Adam": ({"init_lr": 0.1, **_ADAM}, 20),',
        ("notebooks/7-3-5-comparison.ipynb",)),
]
