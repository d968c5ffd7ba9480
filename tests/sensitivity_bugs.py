"""Plausible bugs a maintainer might commit; tests/system/test_sensitivity.py applies each one, alone, to a temporary
copy of the project and asserts that nbval on the listed notebooks FAILS (so the stored outputs really guard
what the pages claim).

Add a bug for everything you build: `old` must occur exactly once in `path`; `notebooks` lists every notebook
(relative path) that must catch it -- the test runs nbval on each listed notebook and requires each to fail.
Keep the list small per bug (only the notebooks whose compared outputs are meant to catch it): every listed
notebook costs one quick-profile execution in CI.

A learner's plausible mistake in code the chapter teaches (an update rule, an initializer, a layer) belongs in
nndl/practice/mistakes.py instead: that one table feeds both the practice checks (which name the mistake when a
learner's answer matches it) and, for every entry that lists notebooks, this list (the first entries of BUGS).
"""

from dataclasses import dataclass

from nndl.practice.mistakes import MISTAKES


@dataclass(frozen=True)
class Bug:
    name: str          # short English description
    path: str          # file relative to the project root
    old: str           # exact text that must occur exactly once in the file
    new: str           # replacement
    notebooks: tuple   # notebook paths (relative) whose nbval must fail
    cell: str = ""     # when set: text of the code cell that must be the first to fail (a check that is meant to
                       # catch this bug; a weaker version of it would let the bug through to a later cell)


BUGS = [
    # --- learners' mistakes that a section notebook catches: the entries of nndl/practice/mistakes.py that list
    # notebooks (optimizers, the 2-D function's gradient, the linear fit's backward, initializers, BatchNorm and
    # LayerNorm, the L2 gradient, weight decay, dropout, the exercises' AdaDelta, Nesterov and AdamW) ---
    *(Bug(m.name, m.path, m.old, m.new, m.notebooks) for m in MISTAKES if m.notebooks),
    # --- the 3-D function's gradient (nndl/op/functions.py) ---
    Bug("3-D test function: x1^3 term differentiated with coefficient 2",
        "nndl/op/functions.py",
        "2 * x1 + 3 * x1 * x1 + x0",
        "2 * x1 + 2 * x1 * x1 + x0",
        ("notebooks/7-3-4-3d-comparison.ipynb",)),
    # --- 7.2: MNIST preprocessing and the book's settings ---
    Bug("MNIST images scaled to [-1, 1] instead of [0, 1]",
        "nndl/data.py",
        "return (images / 255).reshape(-1, 1, 28, 28)",
        "return (images / 127.5 - 1).reshape(-1, 1, 28, 28)",
        ("notebooks/7-2-batch-size.ipynb",)),
    Bug("7.2: learning rate of batch size 256 changed from 0.16 to 0.1",
        "nndl/sections/s7_2_batch_size/settings.py",
        "LEARNING_RATES = (0.01, 0.02, 0.04, 0.08, 0.16)",
        "LEARNING_RATES = (0.01, 0.02, 0.04, 0.08, 0.1)",
        ("notebooks/7-2-batch-size.ipynb",)),
    Bug("7.2: each configuration seeded with its own seed (the five LeNets no longer share initial parameters)",
        "nndl/sections/s7_2_batch_size/parallel.py",
        '"num_epochs": num_epochs, "seed": seed})',
        '"num_epochs": num_epochs, "seed": seed + b})',
        ("notebooks/7-2-batch-size.ipynb",)),
    # --- 7.3.5: the book's settings ---
    Bug("7.3.5: Adam's learning rate in the 2-D experiment changed from 0.2 to 0.1",
        "nndl/sections/s7_3_5_comparison.py",
        '"Adam": ({"init_lr": 0.2, **_ADAM}, 20),',
        '"Adam": ({"init_lr": 0.1, **_ADAM}, 20),',
        ("notebooks/7-3-5-comparison.ipynb",)),
    # --- 7.4 initialization (nndl/init.py, nndl/models.py, nndl/sections/s7_4_initialization.py) ---
    Bug("MLP: the activation also applied to the output layer (off by one)",
        "nndl/models.py",
        "if i != self.num_layers - 1:",
        "if i != self.num_layers:",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("MLP: 'uniform' draws from U[0, r] instead of U[-r, r]",
        "nndl/models.py",
        "return nn.initializer.Uniform(low=-r, high=r)",
        "return nn.initializer.Uniform(low=0.0, high=r)",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("MLP: the fallback 'N(0, 1)' initialization drawn with std 0.1",
        "nndl/models.py",
        "return nn.initializer.Normal(mean=0.0, std=1.0)",
        "return nn.initializer.Normal(mean=0.0, std=0.1)",
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("moons builder: the He configuration silently built with Xavier (copy-paste in INITS)",
        "nndl/sections/s7_4_initialization.py",
        '"kaiming_normal": ("normal", kaiming_normal_std),',
        '"kaiming_normal": ("normal", xavier_normal_std),',
        ("notebooks/7-4-initialization.ipynb",)),
    Bug("moons builder: the book's learning rate 0.005 typed as 0.05",
        "nndl/sections/s7_4_initialization.py",
        'def init_trainable(init, act="tanh", num_epochs=100, lr=0.005,',
        'def init_trainable(init, act="tanh", num_epochs=100, lr=0.05,',
        ("notebooks/7-4-initialization.ipynb",)),
    # --- 7.5: normalization (nndl/op/norm.py, nndl/sections/s7_5_normalization.py) ---
    Bug("7.5.1.4: the warm-up feeds the same batch every pass (the book's loop)",
        "nndl/sections/s7_5_normalization.py",
        "        for _ in range(num_passes):\n            inputs = paddle.randn(list(batch_shape))\n",
        "        inputs = paddle.randn(list(batch_shape))\n        for _ in range(num_passes):\n",
        ("notebooks/7-5-normalization.ipynb",)),
    Bug("7.5.1.5: evaluation on the training set (the book's dev_loader)",
        "nndl/sections/s7_5_normalization.py",
        'mnist_tensors("train", num_train), mnist_tensors("test", num_test),',
        'mnist_tensors("train", num_train), mnist_tensors("train", num_test),',
        ("notebooks/7-5-normalization.ipynb",)),
    # ---- exercise 7.2 (notebooks/7-2-exercises.ipynb): the claim that setting 2 (64, 0.02) is slightly ahead of
    # setting 1 (128, 0.04) in every epoch by a gap that shrinks below 1%, both behind the base run ----
    Bug("exercise 7.2: the two settings' learning rates swapped (setting 2 silently becomes the base run)",
        "nndl/sections/s7_2_batch_size/settings.py",
        '(128, 0.04), "设置 2：学习率减半": (64, 0.02)}',
        '(128, 0.02), "设置 2：学习率减半": (64, 0.04)}',
        ("notebooks/7-2-exercises.ipynb",)),
    # ---- exercises 7.3–7.6 (notebooks/7-3-exercises.ipynb) ----
    Bug("the optimizer asks the schedule one step ahead (schedule(t) at the t-th update)",
        "nndl/op/base.py",
        "return self.lr_schedule(max(self.t - 1, 0))",
        "return self.lr_schedule(self.t)",
        ("notebooks/7-3-exercises.ipynb",)),
    Bug("ExponentialDecay off by one step",
        "nndl/lr.py",
        "return self.init_lr * self.gamma ** t",
        "return self.init_lr * self.gamma ** (t + 1)",
        ("notebooks/7-3-exercises.ipynb",)),
    Bug("the MNIST exercise builds paddle.optimizer.Adam (L2) when asked for AdamW",
        "nndl/sections/s7_3_exercises.py",
        '"AdamW": ("AdamW", ("beta1", "beta2", "epsilon", "weight_decay")),',
        '"AdamW": ("Adam", ("beta1", "beta2", "epsilon", "weight_decay")),',
        ("notebooks/7-3-exercises.ipynb",)),
    # ---- issue 29: each rule's defect put back must fail (the catching cell is named: a weaker check would be
    # caught later, by another cell, which this test does not accept) ----
    Bug("'k steps after' quotes train_f's last entry, one update short (issue 29, D2 put back)",
        "nndl/trajectory.py",
        "return cls(np.vstack([points, end[None]]), np.array(values + [end_loss]))",
        "return cls(points, np.array(values))",
        ("notebooks/7-3-1-setup.ipynb", "notebooks/7-3-2-adagrad-rmsprop.ipynb", "notebooks/7-3-3-momentum-adam.ipynb",
         "notebooks/7-3-5-comparison.ipynb", "notebooks/7-3-exercises.ipynb")),
    Bug("7.6: 'dropout is worse than l2 and weight decay' measured against the better of the two (issue 29, D4 put back)",
        "nndl/sections/s7_6_regularization.py",
        'behind = min(acc["l2"][1], acc["weight_decay"][1]) - acc["dropout"][1]',
        'behind = max(acc["l2"][1], acc["weight_decay"][1]) - acc["dropout"][1]',
        ("notebooks/7-6-regularization.ipynb",), cell='print(f"{live.text}：本次运行'),
    Bug("7.2: each LeNet initialised from a batch-size-dependent seed inside train_epochs (issue 29, D9: a check of "
        "the configurations' seed fields misses it)",
        "nndl/sections/s7_2_batch_size/training.py",
        "    paddle.seed(seed)\n    np.random.seed(seed)\n    model = lenet()",
        "    paddle.seed(seed + batch_size)\n    np.random.seed(seed)\n    model = lenet()",
        ("notebooks/7-2-batch-size.ipynb",), cell="initial.append"),
    Bug("exercise 7.7: the trained network's layer sizes taken from the variance-measurement network (issue 29, D1)",
        "notebooks/7-4-initialization.ipynb",
        r'moon_sizes = relu_results[\"xavier_normal\"].trainable().model.layers_size',
        r'moon_sizes = layers_size',
        ("notebooks/7-4-initialization.ipynb",), cell="moon_ratio = ["),
    # --- claims the prose makes (issue 17): each breaks a sentence that a prose cell renders or a check prints ---
    Bug("7.3.4: Momentum's rho in the 3-D comparison changed from 0.9 to 0.5 (it then enters the basin of (0,0))",
        "notebooks/7-3-4-3d-comparison.ipynb",
        "opt_momentum = Momentum(init_lr=0.01, model=model4, rho=0.9)",
        "opt_momentum = Momentum(init_lr=0.01, model=model4, rho=0.5)",
        ("notebooks/7-3-4-3d-comparison.ipynb",)),
    Bug("exercise 7.5: AdamW trained with weight_decay=0 (no decay: the weight norm does not shrink)",
        "nndl/sections/s7_3_exercises.py",
        '"AdamW": ("AdamW", 0.001, {"weight_decay": 0.01}),',
        '"AdamW": ("AdamW", 0.001, {"weight_decay": 0.0}),',
        ("notebooks/7-3-exercises.ipynb",)),
    Bug("7.3.1: the epoch loss averages every iteration so far (the book's np.mean(iter_loss))",
        "nndl/loops.py",
        "epoch_loss.append(float(np.mean(batch_loss)))",
        "epoch_loss.append(float(np.mean(iter_loss)))",
        ("notebooks/7-3-1-setup.ipynb",)),
    # --- issue 28: 7.6's gradient check must itself be able to fail (the page's control cell shows it can) ---
    Bug("7.6 check: backward_deviations reports 0 for every comparison (an all-zero checker)",
        "nndl/check/layers.py",
        "        return float(np.abs(np.asarray(a) - np.asarray(b)).max())",
        "        return 0.0",
        ("notebooks/7-6-regularization.ipynb",), cell="mock.patch.object"),
    Bug("7.6 check: backward_deviations compares the MLP's hand-written gradients with themselves",
        "nndl/check/layers.py",
        'return max(max(dev(model.layers[i].grads["W"], W.grad), dev(model.layers[i].grads["b"], b.grad))',
        'return max(max(dev(model.layers[i].grads["W"], model.layers[i].grads["W"]), '
        'dev(model.layers[i].grads["b"], model.layers[i].grads["b"]))',
        ("notebooks/7-6-regularization.ipynb",), cell="mock.patch.object"),
]
