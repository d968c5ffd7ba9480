"""Small builders for tests/test_experiment.py; importable in spawned workers (pytest puts tests/ on sys.path,
and multiprocessing's spawn passes sys.path on to the child)."""

import os
import signal

import paddle
import paddle.nn.functional as F

from nndl.experiment import LayerTrainable, mnist_tensors
from nndl.runner import Accuracy


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
