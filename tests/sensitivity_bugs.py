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
    # --- 7.4 initialization (nndl/init.py, nndl/mlp.py) ---
    Bug("Xavier normal std with the wrong fan: sqrt(1 / (M_in + M_out))",
        "nndl/init.py",
        "return math.sqrt(2.0 / fan_sum)",
        "return math.sqrt(1.0 / fan_sum)",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("Xavier uniform radius with 3 instead of 6 under the root",
        "nndl/init.py",
        "return math.sqrt(6.0 / fan_sum)",
        "return math.sqrt(3.0 / fan_sum)",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("He normal std without the ReLU factor 2",
        "nndl/init.py",
        'return math.sqrt(2.0 / _check_size("input_size", input_size))',
        'return math.sqrt(1.0 / _check_size("input_size", input_size))',
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("MLP: the activation also applied to the output layer (off by one)",
        "nndl/mlp.py",
        "if i != self.num_layers - 1:",
        "if i != self.num_layers:",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("MLP: 'uniform' draws from U[0, r] instead of U[-r, r]",
        "nndl/mlp.py",
        "return nn.initializer.Uniform(low=-r, high=r)",
        "return nn.initializer.Uniform(low=0.0, high=r)",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("MLP: the fallback 'N(0, 1)' initialization drawn with std 0.1",
        "nndl/mlp.py",
        "return nn.initializer.Normal(mean=0.0, std=1.0)",
        "return nn.initializer.Normal(mean=0.0, std=0.1)",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("moons builder: the He configuration silently built with Xavier (copy-paste in INITS)",
        "nndl/mlp.py",
        '"kaiming_normal": ("normal", kaiming_normal_std),',
        '"kaiming_normal": ("normal", xavier_normal_std),',
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("moons builder: the book's learning rate 0.005 typed as 0.05",
        "nndl/mlp.py",
        'def moons_trainable(init, act="tanh", num_epochs=100, lr=0.005,',
        'def moons_trainable(init, act="tanh", num_epochs=100, lr=0.05,',
        ("notebooks/7-4-initialization.ipynb",)),
    # --- 7.5: normalization (nndl/op/norm.py, nndl/normnet.py) ---
    Bug("BatchNorm moving average: momentum swapped with its complement",
        "nndl/op/norm.py",
        "self.moving_mean.set_value(m * self.moving_mean + (1 - m) * mean.detach().reshape([-1]))",
        "self.moving_mean.set_value((1 - m) * self.moving_mean + m * mean.detach().reshape([-1]))",
        ("notebooks/7-5-normalization.ipynb",)),
    Bug("BatchNorm: epsilon dropped again (the book's paddle.sqrt(var, eps))",
        "nndl/op/norm.py",
        "X_hat = (X - mean) / paddle.sqrt(var + self.eps)",
        "X_hat = (X - mean) / paddle.sqrt(var, self.eps)",
        ("notebooks/7-5-normalization.ipynb",)),
    Bug("LayerNorm normalizes over the batch axis instead of each sample",
        "nndl/op/norm.py",
        "axes = [-1] if X.ndim in (2, 3) else [1, 2, 3]",
        "axes = [0] if X.ndim in (2, 3) else [0, 2, 3]",
        ("notebooks/7-5-normalization.ipynb",)),
    Bug("7.5.1.4: the warm-up feeds the same batch every pass (the book's loop)",
        "nndl/normnet.py",
        "        for _ in range(num_passes):\n            inputs = paddle.randn(list(batch_shape))\n",
        "        inputs = paddle.randn(list(batch_shape))\n        for _ in range(num_passes):\n",
        ("notebooks/7-5-normalization.ipynb",)),
    Bug("7.5.1.5: evaluation on the training set (the book's dev_loader)",
        "nndl/normnet.py",
        'mnist_tensors("train", num_train), mnist_tensors("test", num_test),',
        'mnist_tensors("train", num_train), mnist_tensors("train", num_test),',
        ("notebooks/7-5-normalization.ipynb",)),
]
