"""nndl.validate：每个检查函数接受什么、拒绝什么，报错信息点名参数；show 把对它们的调用当作参数检查略去。"""

import math

import numpy as np
import pytest

from nndl.show import CHECKS_OMITTED, without_checks
from nndl.validate import check_bool, check_callable, check_choice, check_class, check_int, check_pair, check_real


@pytest.mark.parametrize("value", [1, 5, np.int64(3)])
def test_check_int_accepts_and_returns_int(value):
    out = check_int(value, "n", min_val=1, max_val=5)
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value, error", [(True, TypeError), (1.0, TypeError), ("2", TypeError), (0, ValueError),
                                          (6, ValueError)])
def test_check_int_rejects_naming_the_argument(value, error):
    with pytest.raises(error, match=r"^batch_size 必须是.*收到 " + repr(value).replace("(", r"\(").replace(")", r"\)")):
        check_int(value, "batch_size", min_val=1, max_val=5)


def test_boundaries():
    with pytest.raises(ValueError, match=r"p 必须是 > 0 且 ≤ 1 的实数，收到 0"):
        check_real(0, "p", min_val=0, max_val=1, include_boundaries="right")
    with pytest.raises(ValueError, match=r"p 必须是 ≥ 0 且 < 1 的实数，收到 1"):
        check_real(1, "p", min_val=0, max_val=1, include_boundaries="left")
    assert check_real(1, "p", min_val=0, max_val=1) == 1.0
    with pytest.raises(ValueError, match="include_boundaries"):
        check_real(0.5, "p", min_val=0, include_boundaries="open")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_check_real_rejects_non_finite(value):
    with pytest.raises(ValueError, match="lr 必须是有限的实数"):
        check_real(value, "lr")


def test_check_real_rejects_bool_and_strings():
    for value in (True, "0.1", None):
        with pytest.raises(TypeError, match="lr 必须是实数"):
            check_real(value, "lr")
    assert type(check_real(np.float32(0.5), "lr")) is float


def test_check_choice():
    assert check_choice("bn", "norm", (None, "bn", "ln")) == "bn"
    assert check_choice("tanh", "act", {"tanh": 1, "relu": 2}) == 1
    for bad in ("BN", [1], 3):
        with pytest.raises(ValueError, match=r"^norm 必须是 None, 'bn', 'ln' 之一，收到 "):
            check_choice(bad, "norm", (None, "bn", "ln"))


def test_check_bool_and_pair():
    assert check_bool(False, "shuffle") is False
    with pytest.raises(TypeError, match="shuffle 必须是 True 或 False，收到 1"):
        check_bool(1, "shuffle")
    assert check_pair([-2, 5], "xlim") == (-2.0, 5.0)
    with pytest.raises(ValueError, match="xlim 的下限必须小于上限"):
        check_pair((5, 5), "xlim")
    with pytest.raises(TypeError, match="xlim 必须是两个数"):
        check_pair((1, 2, 3), "xlim")


def test_show_hides_validator_calls_only():
    source = ("def f(a, b):\n"
              "    a = check_int(a, \"a\", min_val=1)\n"
              "    self.b, c = check_pair(b, \"b\")\n"
              "    check_bool(d, \"d\")\n"
              "    x = check_sum(a)\n"
              "    return x\n")
    assert without_checks(source) == ("def f(a, b):\n"
                                      f"    {CHECKS_OMITTED}\n"
                                      "    x = check_sum(a)\n"
                                      "    return x\n")


def test_check_class_and_check_callable():
    class Layer:
        pass

    assert check_class(Layer, "layer_class") is Layer
    with pytest.raises(TypeError, match=r"^layer_class 必须是一个类，收到 .*（这是一个实例：传入类本身，不要加括号）$"):
        check_class(Layer(), "layer_class")
    with pytest.raises(TypeError, match=r"^layer_class 必须是一个类，收到 'Layer'$"):
        check_class("Layer", "layer_class")
    assert check_callable(len, "init_function") is len
    for bad in (Layer, 3):
        with pytest.raises(TypeError, match=r"^init_function 必须是一个函数，收到 "):
            check_callable(bad, "init_function")


def test_check_tensor_like_names_what_is_wrong():
    import paddle
    from nndl.validate import check_tensor_like

    like = paddle.zeros([3, 2])
    assert check_tensor_like(like + 1, like, "x") is not None
    with pytest.raises(TypeError, match=r"^x 应当是 paddle.Tensor，得到 None（忘了 return 吗？）$"):
        check_tensor_like(None, like, "x")
    with pytest.raises(TypeError, match=r"得到 numpy.ndarray$"):
        check_tensor_like(np.zeros((3, 2)), like, "x")
    with pytest.raises(ValueError, match=r"^x 的形状是 \[2, 3\]、类型是 paddle.float32，应当与参数相同：形状 \[3, 2\]"):
        check_tensor_like(like.T, like, "x")
    with pytest.raises(ValueError, match=r"类型是 paddle.float64"):
        check_tensor_like(like.astype("float64"), like, "x")
