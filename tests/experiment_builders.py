"""Small builders for tests/unit/test_experiment.py; importable in spawned workers (tests/conftest.py puts tests/ on
sys.path, and multiprocessing's spawn passes sys.path on to the child)."""

import os
import signal

import paddle
import paddle.nn.functional as F

from nndl.experiment import LayerTrainable, mnist_tensors
from nndl.metric import Accuracy


def tiny_cnn(units, num_train=256, num_dev=128, lr=0.05, batch_size=32):
    """(a) a LeNet-ish CNN, plain SGD, no shuffling, evaluation every 5 steps and at the last one."""
    model = paddle.nn.Sequential(
        paddle.nn.Conv2D(1, 4, 5, stride=2), paddle.nn.ReLU(), paddle.nn.MaxPool2D(2),
        paddle.nn.Flatten(), paddle.nn.Linear(4 * 6 * 6, 10))
    opt = paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())
    return LayerTrainable(model, opt, F.cross_entropy, Accuracy(), mnist_tensors("train", num_train),
                          mnist_tensors("test", num_dev), batch_size=batch_size, num_epochs=units, eval_steps=5)


def adam_mlp(units, num_train=300, lr=0.01, batch_size=64, hidden=32, decay=True):
    """(b) an MLP with Adam (moments, beta powers) and a StepDecay schedule, shuffled every epoch."""
    model = paddle.nn.Sequential(paddle.nn.Flatten(), paddle.nn.Linear(784, hidden), paddle.nn.ReLU(),
                                 paddle.nn.Linear(hidden, 10))
    schedule = paddle.optimizer.lr.StepDecay(lr, step_size=1, gamma=0.7) if decay else lr
    opt = paddle.optimizer.Adam(learning_rate=schedule, parameters=model.parameters())
    return LayerTrainable(model, opt, F.cross_entropy, Accuracy(), mnist_tensors("train", num_train),
                          mnist_tensors("test", 100), batch_size=batch_size, shuffle=True, num_epochs=units,
                          eval_steps=4)


def dropout_mlp(units, num_train=300, lr=0.05, batch_size=50, p=0.5):
    """(c) an MLP with paddle.nn.Dropout and Momentum (velocity), shuffled."""
    model = paddle.nn.Sequential(paddle.nn.Flatten(), paddle.nn.Linear(784, 48), paddle.nn.ReLU(),
                                 paddle.nn.Dropout(p), paddle.nn.Linear(48, 10))
    opt = paddle.optimizer.Momentum(learning_rate=lr, momentum=0.9, parameters=model.parameters())
    return LayerTrainable(model, opt, F.cross_entropy, Accuracy(), mnist_tensors("train", num_train),
                          batch_size=batch_size, shuffle=True, num_epochs=units)


class _Failing:
    """A trainable that raises (or SIGKILLs its worker process) when it reaches unit `at`."""

    def __init__(self, at, how):
        self.at, self.how, self.num_units = at, how, None
        self.w = 0.0

    def train_unit(self, unit):
        if unit == self.at:
            if self.how == "kill" and os.getppid() != 1 and __import__("multiprocessing").parent_process():
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"deliberate failure at unit {unit}")
        self.w += unit + 1
        return {"w": self.w}

    def state_dict(self):
        return {"w": self.w}

    def set_state_dict(self, state):
        self.w = state["w"]


def failing(at, how="raise"):
    return _Failing(at, how)


def wrong_record():
    class T(_Failing):
        def train_unit(self, unit):
            import numpy as np
            return {"loss": np.float32(1.5)}
    return T(99, "raise")


class RawAdam:
    """A hand-written trainable that moves Paddle's own optimizer.state_dict() (keys are Paddle's unique names).
    This is only safe because the runner builds and trains every configuration in its own unique_name namespace."""

    def __init__(self, units):
        self.num_units = units
        self.model = paddle.nn.Sequential(paddle.nn.Linear(6, 8), paddle.nn.Tanh(), paddle.nn.Linear(8, 1))
        self.scheduler = paddle.optimizer.lr.ExponentialDecay(0.05, gamma=0.9)
        self.opt = paddle.optimizer.Adam(learning_rate=self.scheduler, parameters=self.model.parameters())
        self.X = paddle.linspace(-1, 1, 120).reshape([20, 6])
        self.y = (self.X ** 2).sum(axis=1, keepdim=True)

    def train_unit(self, unit):
        losses = []
        for start in range(0, 20, 5):
            noise = paddle.randn([5, 1]) * 0.01  # the runner's unit seed makes this reproducible
            loss = F.mse_loss(self.model(self.X[start:start + 5]), self.y[start:start + 5] + noise)
            losses.append(loss.item())
            loss.backward()
            self.opt.step()
            self.opt.clear_grad()
        self.scheduler.step()
        return {"losses": losses}

    def state_dict(self):
        opt = {k: (v if isinstance(v, dict) else v.numpy()) for k, v in self.opt.state_dict().items()}
        return {"model": {k: v.numpy() for k, v in self.model.state_dict().items()}, "opt": opt}

    def set_state_dict(self, state):
        self.model.set_state_dict(state["model"])
        self.opt.set_state_dict({k: (v if isinstance(v, dict) else paddle.to_tensor(v))
                                 for k, v in state["opt"].items()})


def raw_adam(units):
    return RawAdam(units)
