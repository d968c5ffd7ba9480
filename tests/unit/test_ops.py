"""Every hand-written backward against Paddle autograd, and the chapter's training loops."""

import warnings

import numpy as np
import paddle
import pytest

from nndl import train, train_f
from nndl.loops import cycled_minibatches
from nndl.op import Linear, Momentum, OptimizedFunction, OptimizedFunction3D, SimpleBatchGD


def autograd(fn, *inputs):
    leaves = [paddle.to_tensor(v.numpy(), stop_gradient=False) for v in inputs]
    return [g.numpy() for g in paddle.grad(fn(*leaves), leaves)]


@pytest.mark.parametrize("seed", range(5))
def test_linear_backward_matches_autograd(seed):
    paddle.seed(seed)
    X, labels = paddle.randn([37, 3]), paddle.randn([37, 1])
    op = Linear(3, bias_init=paddle.randn)
    op(X)
    op.backward(labels)
    dW, db = autograd(lambda W, b: 0.5 * paddle.mean(paddle.square(paddle.matmul(X, W) + b - labels)),
                      op.params["W"], op.params["b"])
    np.testing.assert_allclose(op.grads["W"].numpy(), dW, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(op.grads["b"].numpy(), db, rtol=1e-5, atol=1e-6)
    assert op.grads["W"].shape == [3, 1] and op.grads["b"].shape == [1]


@pytest.mark.parametrize("seed", range(5))
def test_optimized_function_backward_matches_autograd(seed):
    paddle.seed(seed)
    w, x = paddle.randn([2]), paddle.randn([2]) * 3
    op = OptimizedFunction(w)
    loss = op(x)
    op.backward()
    (dx,) = autograd(lambda v: paddle.sum(w * v * v), x)
    np.testing.assert_allclose(op.grads["x"].numpy(), dx, rtol=1e-6)
    assert loss.shape == [] and np.isclose(loss.item(), float(np.sum(w.numpy() * x.numpy() ** 2)), rtol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_optimized_function_3d_backward_matches_autograd(seed):
    paddle.seed(seed)
    x = paddle.randn([2]) * 3
    op = OptimizedFunction3D()
    loss = op(x)
    op.backward()
    (dx,) = autograd(lambda v: v[0] ** 2 + v[1] ** 2 + v[1] ** 3 + v[0] * v[1], x)
    np.testing.assert_allclose(op.grads["x"].numpy(), dx, rtol=1e-5, atol=1e-6)
    assert loss.shape == [] and op.grads["x"].shape == [2]


def test_linear_rejects_bad_shapes():
    op = Linear(2)
    with pytest.raises(ValueError, match="inputs"):
        op(paddle.randn([5, 3]))
    op(paddle.randn([5, 2]))
    with pytest.raises(ValueError, match="labels"):
        op.backward(paddle.randn([5]))
    with pytest.raises(ValueError, match="input_size"):
        Linear(0)


def test_train_f_records_points_before_each_step():
    model = OptimizedFunction([0.2, 2])
    x_init = paddle.to_tensor([3.0, 4.0])
    all_x, losses = train_f(model, SimpleBatchGD(0.2, model), x_init, 20)
    assert all_x.shape == [20, 2] and len(losses) == 20
    np.testing.assert_array_equal(all_x[0].numpy(), [3.0, 4.0])
    # Plain gradient descent on w·x² multiplies each coordinate by (1 − 2·lr·w) per step.
    np.testing.assert_allclose(all_x[-1].numpy(), [3.0 * 0.92 ** 19, 4.0 * 0.2 ** 19], rtol=1e-5, atol=1e-12)
    assert losses[0] == pytest.approx(0.2 * 9 + 2 * 16)
    np.testing.assert_array_equal(x_init.numpy(), [3.0, 4.0])


def test_train_f_stops_on_divergence_with_the_step():
    model = OptimizedFunction3D()
    with pytest.warns(RuntimeWarning, match=r"第 \d+ 步") as record:
        all_x, losses = train_f(model, Momentum(0.01, model, 0.9), paddle.to_tensor([2.0, 3.0]), 150)
    assert len(record) == 1
    assert 1 < len(losses) < 150 and all_x.shape[0] == len(losses)
    assert np.isfinite(all_x.numpy()).all() and np.isfinite(losses).all()


def test_train_f_without_divergence_is_silent():
    model = OptimizedFunction3D()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, losses = train_f(model, SimpleBatchGD(0.01, model), paddle.to_tensor([2.0, 3.0]), 150)
    assert len(losses) == 150


def test_train_f_rejects_a_foreign_optimizer_and_bad_epoch():
    model = OptimizedFunction([0.2, 2])
    with pytest.raises(ValueError, match="optimizer"):
        train_f(model, SimpleBatchGD(0.1, OptimizedFunction([0.2, 2])), paddle.to_tensor([3.0, 4.0]), 5)
    with pytest.raises(ValueError, match="epoch"):
        train_f(model, SimpleBatchGD(0.1, model), paddle.to_tensor([3.0, 4.0]), 0)


def test_minibatch_train_fits_the_line():
    paddle.seed(0)
    X = paddle.randn([1000, 2])
    y = paddle.matmul(X, paddle.to_tensor([[0.5], [0.8]])) + 0.01 * paddle.randn([1000, 1])
    model = Linear(2)
    iter_loss, epoch_loss = train((X, y), 30, 64, model, paddle.nn.MSELoss(), SimpleBatchGD(0.01, model))
    assert len(iter_loss) == 30 * 16 and len(epoch_loss) == 30
    assert all(isinstance(v, float) for v in iter_loss)
    assert epoch_loss[-1] < epoch_loss[0] / 10
    np.testing.assert_allclose(model.params["W"].numpy().ravel(), [0.5, 0.8], atol=0.05)


def test_minibatch_train_records_each_batch_loss_and_their_epoch_mean():
    """iter_loss[k] is the loss of batch k before its update (the first one recomputed here with NumPy from the initial
    parameters); epoch_loss[e] is the mean of epoch e's batch losses (200 samples in batches of 64: 4 batches, the
    last of 8), not, say, the last batch's loss."""
    paddle.seed(0)
    X = paddle.randn([200, 2])
    y = paddle.matmul(X, paddle.to_tensor([[0.5], [0.8]])) + 0.01 * paddle.randn([200, 1])
    model = Linear(2)
    W0, b0 = model.params["W"].numpy().astype(np.float64), model.params["b"].numpy().astype(np.float64)
    iter_loss, epoch_loss = train((X, y), 3, 64, model, paddle.nn.MSELoss(), SimpleBatchGD(0.1, model))
    assert len(iter_loss) == 12 and len(epoch_loss) == 3
    first = np.mean((X.numpy()[:64].astype(np.float64) @ W0 + b0 - y.numpy()[:64]) ** 2)
    assert iter_loss[0] == pytest.approx(first, rel=1e-5)  # float32 against float64
    assert epoch_loss == pytest.approx([np.mean(iter_loss[e * 4:(e + 1) * 4]) for e in range(3)], rel=1e-12)
    assert len(set(iter_loss[:4])) == 4  # the batches' losses differ: a mean is not any one of them


def test_minibatch_train_rejects_bad_input():
    model = Linear(2)
    X = paddle.randn([10, 2])
    with pytest.raises(ValueError, match="data"):
        train((X, paddle.randn([10])), 1, 4, model, paddle.nn.MSELoss(), SimpleBatchGD(0.1, model))
    with pytest.raises(ValueError, match="batch_size"):
        train((X, paddle.randn([10, 1])), 1, 0, model, paddle.nn.MSELoss(), SimpleBatchGD(0.1, model))


def test_cycled_minibatches_follow_trains_order():
    X, y = paddle.arange(10, dtype="float32").reshape([10, 1]), paddle.zeros([10, 1])
    starts = [int(x_batch[0, 0].item()) for x_batch, _ in cycled_minibatches(X, y, 4, 7)]
    sizes = [x_batch.shape[0] for x_batch, _ in cycled_minibatches(X, y, 4, 7)]
    assert starts == [0, 4, 8, 0, 4, 8, 0] and sizes == [4, 4, 2, 4, 4, 2, 4]


def test_value_evaluates_a_grid_without_recording_it():
    grid = paddle.to_tensor([[[-1.0, 0.0], [2.0, 0.5]], [[0.5, 3.0], [-2.0, 1.0]]])  # [2, 2, 2]: two 2×2 coordinates
    x0, x1 = grid.numpy()
    f2d, f3d = OptimizedFunction([0.2, 2]), OptimizedFunction3D()
    np.testing.assert_allclose(f2d.value(grid).numpy(), 0.2 * x0 ** 2 + 2 * x1 ** 2, rtol=1e-6)
    np.testing.assert_allclose(f3d.value(grid).numpy(), x0 ** 2 + x1 ** 2 + x1 ** 3 + x0 * x1, rtol=1e-6)
    assert f2d.params["x"] is None and f3d.params["x"] is None
    with pytest.raises(ValueError, match="第一维"):
        f3d.value(paddle.zeros([3, 4]))
