"""LayerTrainable's batches: with shuffle=True every batch keeps each image with its own label, each epoch visits every
sample once in the order np.random.permutation draws under the unit's seed, and the last batch is the short one.

The reference is written out here: the permutation drawn with NumPy from the same seed, and each sample's label
computed from the sample itself (y = 10·x + 1), so a label travelling without its image cannot go unnoticed.
"""

import numpy as np
import paddle
import pytest

from nndl.experiment import LayerTrainable

N, BATCH_SIZE = 23, 5  # five batches, the last one of 3


class Recording(paddle.nn.Layer):
    """y_hat = w·x with one weight (so the optimizer has something to update); records every batch it is given."""

    def __init__(self):
        super().__init__()
        self.w = self.create_parameter([1], default_initializer=paddle.nn.initializer.Constant(1.0))
        self.seen = []

    def forward(self, X):
        if self.training:
            self.seen.append(X.numpy()[:, 0].copy())
        return X * self.w


def make_trainable(shuffle):
    X = paddle.arange(N, dtype="float32").reshape([N, 1])
    y = 10 * X + 1  # each sample's label says which sample it belongs to
    model = Recording()
    labels_seen = []

    def loss_fn(y_hat, y_batch):
        labels_seen.append(y_batch.numpy()[:, 0].copy())
        return paddle.mean((y_hat - y_batch) ** 2)

    optimizer = paddle.optimizer.SGD(learning_rate=1e-4, parameters=model.parameters())
    trainable = LayerTrainable(model, optimizer, loss_fn, None, (X, y), batch_size=BATCH_SIZE, shuffle=shuffle,
                               num_epochs=2)
    return trainable, model.seen, labels_seen


@pytest.mark.parametrize("shuffle", [True, False])
def test_every_batch_keeps_each_image_with_its_label_in_the_drawn_order(shuffle):
    trainable, images_seen, labels_seen = make_trainable(shuffle)
    for unit, seed in enumerate((5, 6)):
        np.random.seed(seed)  # what the runner does before each unit (unit_seed)
        expected_order = np.random.permutation(N) if shuffle else np.arange(N)
        np.random.seed(seed)
        record = trainable.train_unit(unit)
        images = images_seen[unit * 5:(unit + 1) * 5]
        labels = labels_seen[unit * 5:(unit + 1) * 5]
        assert [len(batch) for batch in images] == [5, 5, 5, 5, 3] and len(record["step_losses"]) == 5
        np.testing.assert_array_equal(np.concatenate(images), expected_order)
        for batch_images, batch_labels in zip(images, labels):
            np.testing.assert_array_equal(batch_labels, 10 * batch_images + 1)
    if shuffle:  # two epochs, two different orders, neither the natural one
        first, second = np.concatenate(images_seen[:5]), np.concatenate(images_seen[5:])
        assert not np.array_equal(first, second) and not np.array_equal(first, np.arange(N))


@pytest.mark.parametrize("lr_step", ["step", "epoch"])
def test_the_schedule_advances_every_step_or_every_epoch(lr_step):
    """StepDecay(0.1, step_size=1, gamma=0.5): the learning rate each update uses is 0.1·0.5^k, k counting the steps
    done (lr_step="step") or the epochs done (lr_step="epoch"), read from the optimizer at every loss evaluation."""
    X = paddle.arange(N, dtype="float32").reshape([N, 1])
    model = Recording()
    schedule = paddle.optimizer.lr.StepDecay(0.1, step_size=1, gamma=0.5)
    optimizer = paddle.optimizer.SGD(learning_rate=schedule, parameters=model.parameters())
    used = []

    def loss_fn(y_hat, y_batch):
        used.append(optimizer.get_lr())
        return paddle.mean((y_hat - y_batch) ** 2) * 1e-6

    trainable = LayerTrainable(model, optimizer, loss_fn, None, (X, X), batch_size=BATCH_SIZE, num_epochs=2,
                               lr_step=lr_step)
    for unit in range(2):
        trainable.train_unit(unit)
    steps = range(10)  # two epochs of five steps
    k = list(steps) if lr_step == "step" else [step // 5 for step in steps]
    assert used == pytest.approx([0.1 * 0.5 ** i for i in k], rel=1e-12)
