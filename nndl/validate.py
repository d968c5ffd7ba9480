"""参数检查：整个包只用这里的几个函数，报错信息都点名参数、写明要求、给出收到的值。

仿照 scikit-learn 的 `check_scalar`：检查类型与取值范围，通过时返回规范化后的值（`int` 或 `float`），
所以调用处写成一行 `batch_size = check_int(batch_size, "batch_size", min_val=1)`。`bool` 虽是 `int` 的子类，
在这里不算数（`True` 不是一个批大小）。

页面上显示源码时（`nndl.show.show_source(..., hide_checks=True)`），对这些函数的调用与 `if …: raise` 一样
被当作参数检查略去，书中那部分代码保持简短。
"""

import math
import numbers

__all__ = ["check_int", "check_real", "check_choice", "check_bool", "check_pair", "check_class", "check_callable",
           "check_tensor_like"]

_BOUNDARIES = {"both": (True, True), "left": (True, False), "right": (False, True), "neither": (False, False)}


def _range_text(min_val, max_val, include_boundaries):
    left, right = _BOUNDARIES[include_boundaries]
    parts = []
    if min_val is not None:
        parts.append(f"{'≥' if left else '>'} {min_val}")
    if max_val is not None:
        parts.append(f"{'≤' if right else '<'} {max_val}")
    return " 且 ".join(parts)


def _check_range(value, name, kind, min_val, max_val, include_boundaries):
    if include_boundaries not in _BOUNDARIES:
        raise ValueError(f"include_boundaries 必须是 {', '.join(map(repr, _BOUNDARIES))} 之一，收到 {include_boundaries!r}")
    left, right = _BOUNDARIES[include_boundaries]
    too_small = min_val is not None and (value < min_val if left else value <= min_val)
    too_large = max_val is not None and (value > max_val if right else value >= max_val)
    if too_small or too_large:
        raise ValueError(f"{name} 必须是 {_range_text(min_val, max_val, include_boundaries)} 的{kind}，收到 {value!r}")


def check_int(value, name, min_val=None, max_val=None, include_boundaries="both"):
    """`value` 是整数（不是 bool），且在给定范围内；返回 `int(value)`。类型不对抛出 TypeError，越界抛出 ValueError。"""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} 必须是整数，收到 {value!r}")
    _check_range(value, name, "整数", min_val, max_val, include_boundaries)
    return int(value)


def check_real(value, name, min_val=None, max_val=None, include_boundaries="both"):
    """`value` 是有限实数（不是 bool），且在给定范围内；返回 `float(value)`。"""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} 必须是实数，收到 {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} 必须是有限的实数，收到 {value!r}")
    _check_range(value, name, "实数", min_val, max_val, include_boundaries)
    return float(value)


def check_choice(value, name, options):
    """`value` 是 `options`（序列，或字典的键）之一；`options` 是字典时返回对应的值，否则返回 `value`。"""
    try:
        found = value in options
    except TypeError:  # 不可哈希的值不可能是字典的键
        found = False
    if not found:
        raise ValueError(f"{name} 必须是 {', '.join(map(repr, options))} 之一，收到 {value!r}")
    return options[value] if isinstance(options, dict) else value


def check_bool(value, name):
    """`value` 是 `True` 或 `False`（不接受 0/1 或其他真值）。"""
    if not isinstance(value, bool):
        raise TypeError(f"{name} 必须是 True 或 False，收到 {value!r}")
    return value


def check_pair(value, name):
    """`value` 是两个有限实数 `(a, b)` 且 `a < b`（坐标轴范围之类）；返回 `(float(a), float(b))`。"""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} 必须是两个数 (下限, 上限)，收到 {value!r}")
    low, high = (check_real(v, name) for v in value)
    if not low < high:
        raise ValueError(f"{name} 的下限必须小于上限，收到 {value!r}")
    return low, high


def check_class(value, name):
    """`value` 是一个类（`class` 语句定义的那个名字本身，不是它的实例）；返回 `value`。"""
    if not isinstance(value, type):
        instance = type(value).__module__ != "builtins"  # 函数、数、字符串的类型都在 builtins 里
        raise TypeError(f"{name} 必须是一个类，收到 {value!r}" + ("（这是一个实例：传入类本身，不要加括号）" if instance else ""))
    return value


def check_callable(value, name):
    """`value` 是函数（或其他可调用的对象），而不是类；返回 `value`。"""
    if isinstance(value, type) or not callable(value):
        raise TypeError(f"{name} 必须是一个函数，收到 {value!r}")
    return value


def check_tensor_like(value, like, name):
    """`value` 是与张量 `like` 形状、类型都相同的 `paddle.Tensor`（例如优化器 `update` 返回的新参数）；返回 `value`。
    不符时在这里说清楚，而不是在几步之后的某个运算里报错。"""
    import paddle

    if not isinstance(value, paddle.Tensor):
        got = ("None（忘了 return 吗？）" if value is None
               else f"{type(value).__module__}.{type(value).__qualname__}")
        raise TypeError(f"{name} 应当是 paddle.Tensor，得到 {got}")
    if list(value.shape) != list(like.shape) or value.dtype != like.dtype:
        raise ValueError(f"{name} 的形状是 {list(value.shape)}、类型是 {value.dtype}，应当与参数相同："
                         f"形状 {list(like.shape)}、类型 {like.dtype}")
    return value
