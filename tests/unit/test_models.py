"""nndl.models: the fast-bias Conv2D is paddle.nn.Conv2D (same forward values, parameter names and state_dict;
gradients within float32 rounding), and each convolutional model of the chapter uses it.

Only the bias gradient is summed in a different order (over N·H·W terms), and the rounding of that sum reaches every
gradient upstream of it. Gradients are compared against the largest gradient entry of the whole model: GRAD_TOL = 5e-5
of it. (Relative to each parameter's own gradient would not do: a convolution bias followed by BatchNorm has a true
gradient of zero, so both sides are rounding noise of ~1e-6.)
"""

import numpy as np
import paddle
import paddle.nn.functional as F
import pytest
from paddle.utils import unique_name
from paddle.vision.models import LeNet

from nndl.models import Conv2D, lenet
from nndl.models import NormCNN

GRAD_TOL = 5e-5


def build_named(build, seed=0):
    """Build under a fresh unique-name generator and seed, as the runner does for every configuration."""
    with unique_name.guard():
        paddle.seed(seed)
        return build()


def assert_same_model(stock, fast, x, loss_fn):
    stock_params, fast_params = stock.named_parameters(), fast.named_parameters()
    assert [(n, p.name) for n, p in stock_params] == [(n, p.name) for n, p in fast_params]
    assert list(stock.state_dict()) == list(fast.state_dict())
    for (name, a), b in zip(stock.state_dict().items(), fast.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    outputs = []
    for model in (stock, fast):
        out = model(x)
        loss_fn(out).backward()
        outputs.append(out.numpy())
    # Exact on any CPU: Paddle's F.conv2d also convolves without the bias and then adds it, so both sides run the same
    # convolution kernel and one IEEE addition per element (correctly rounded everywhere); only orders of sums differ.
    np.testing.assert_array_equal(outputs[0], outputs[1])
    pairs = [(name, a.grad, b.grad) for (name, a), b in zip(stock.named_parameters(), fast.parameters())]
    assert [name for name, a, b in pairs if a is None] == [name for name, a, b in pairs if b is None]
    pairs = [(name, a.numpy(), b.numpy()) for name, a, b in pairs if a is not None]
    scale = max(float(np.abs(a).max()) for _, a, _ in pairs)
    for name, a, b in pairs:
        np.testing.assert_allclose(b, a, rtol=0, atol=GRAD_TOL * scale, err_msg=name)


@pytest.mark.parametrize("kwargs, shape", [
    ({"in_channels": 1, "out_channels": 6, "kernel_size": 3, "padding": 1}, [8, 1, 28, 28]),
    ({"in_channels": 6, "out_channels": 16, "kernel_size": 5}, [4, 6, 14, 14]),
    ({"in_channels": 4, "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": "SAME", "dilation": 1},
     [3, 4, 11, 9]),
    ({"in_channels": 4, "out_channels": 8, "kernel_size": 3, "groups": 4, "dilation": 2}, [2, 4, 12, 12]),
    ({"in_channels": 3, "out_channels": 5, "kernel_size": 3, "padding": 1, "data_format": "NHWC"}, [2, 10, 10, 3]),
    ({"in_channels": 3, "out_channels": 5, "kernel_size": 3, "padding": 1, "padding_mode": "reflect"},
     [2, 3, 10, 10]),
    ({"in_channels": 3, "out_channels": 5, "kernel_size": 3, "bias_attr": False}, [2, 3, 10, 10]),
])
def test_conv2d_is_paddles_conv2d(kwargs, shape):
    paddle.seed(1)
    x = paddle.randn(shape)
    stock = build_named(lambda: paddle.nn.Conv2D(**kwargs))
    fast = build_named(lambda: Conv2D(**kwargs))
    assert_same_model(stock, fast, x, lambda out: (out * out).mean())


def test_conv2d_takes_the_fast_path():
    """The bias is added through an expanded tensor: the forward never hands Paddle's conv the bias."""
    conv = Conv2D(2, 3, 3)
    calls = []
    original = F.conv2d

    def spy(x, weight, bias=None, *args, **kwargs):
        calls.append(bias)
        return original(x, weight, bias, *args, **kwargs)

    try:
        F.conv2d = spy
        conv(paddle.randn([1, 2, 5, 5]))
    finally:
        F.conv2d = original
    assert calls == [None]


def test_lenet_is_the_books_lenet():
    paddle.seed(3)
    x, y = paddle.rand([8, 1, 28, 28]), paddle.randint(0, 10, [8, 1])
    stock, fast = build_named(lambda: LeNet(num_classes=10)), build_named(lenet)
    assert [type(layer) for layer in fast.features if isinstance(layer, paddle.nn.Conv2D)] == [Conv2D, Conv2D]
    assert_same_model(stock, fast, x, lambda out: F.cross_entropy(out, y))


@pytest.mark.parametrize("norm", [None, "bn", "ln"])
def test_normcnn_uses_the_fast_conv_and_equals_paddles(norm):
    def stock_build():
        model = NormCNN(norm)
        for conv in (model.conv1, model.conv2):
            assert type(conv) is Conv2D
            conv.__class__ = paddle.nn.Conv2D
        return model

    paddle.seed(4)
    x, y = paddle.rand([6, 1, 28, 28]), paddle.randint(0, 10, [6, 1])
    stock, fast = build_named(stock_build), build_named(lambda: NormCNN(norm))
    assert_same_model(stock, fast, x, lambda out: F.cross_entropy(out, y))


def test_exercise_lenet_uses_the_fast_conv():
    from nndl.sections.s7_3_exercises import optimizer_trainable

    trainable = optimizer_trainable("SGD", 0.01, num_train=64, num_test=32, num_epochs=1)
    convs = [layer for layer in trainable.inner.model.sublayers() if isinstance(layer, paddle.nn.Conv2D)]
    assert [type(c) for c in convs] == [Conv2D, Conv2D]
