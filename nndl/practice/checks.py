"""练习的检查：把学习者写的类或函数与参考实现放在同一个小例子上运行，逐项比较，用中文说出结论。

- 通过：说明比较了什么；
- 还没有写（骨架里的 `raise NotImplementedError` 还在）：一句话，不打印 traceback；
- 运行出错：哪一步、什么错误、学习者代码里的哪一行；
- 结果不同：第一处不同在哪里（哪一项、哪个元素、应为多少、得到多少、相差多少、占这一项量级的多少），并在学习者的
  结果与 `nndl.practice.mistakes` 中恰好一个常见错误的结果一致时说出它（“很可能……”）。错误的结果由
  `nndl.practice.patch` 把那处错误打进参考实现的源码得到，与学习者的实现在同一个例子上运行、按同样的容差比较；
  两个错误在这个例子上分不开时，哪一个都不说。

检查从不显示参考实现的代码：消息里只有数值、这一项的名字和常见错误的说明。参考实现已与 Paddle 逐步核对
（tests/unit/test_optimizers.py 等），所以“与参考实现一致”也就是与 Paddle 一致（书中公式与 Paddle 不同之处，
如 Adam 的 ε 在根号内，以书中公式为准）。
"""

import functools
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import paddle

from ..validate import check_callable, check_class
from .cases import CASES, Unusable, tensor
from .catalog import exercise, reference_object
from .mistakes import Mistake, mistakes_for
from .patch import mistaken

__all__ = ["CheckResult", "check_optimizer", "check_schedule", "check_init", "check_layer", "run_check"]

_NNDL = Path(__file__).resolve().parents[1]
# 不属于学习者代码的文件：报错时在 traceback 里跳过它们，找到学习者自己写的那一行
_LIBRARIES = tuple(str(Path(p).resolve()) for p in
                   (_NNDL, Path(paddle.__file__).parent, Path(np.__file__).parent, Path(traceback.__file__).parent))


@dataclass(frozen=True)
class _Recorded:
    label: str
    value: np.ndarray
    tol: float
    floor: float


@dataclass(frozen=True)
class _Trace:
    items: tuple
    error: BaseException = None


@dataclass(frozen=True)
class _Difference:
    label: str
    shapes: tuple = None     # (期望的形状, 得到的形状)：形状不同时
    element: tuple = None
    expected: float = 0.0
    got: float = 0.0
    scale: float = 1.0
    tol: float = 0.0
    count: int = 0


@dataclass(frozen=True, repr=False)
class CheckResult:
    """一次检查的结论。`status` 是 `"passed"`、`"not_written"`、`"error"` 或 `"different"`；`mistake` 是认出的常见
    错误（`nndl.practice.mistakes.Mistake`，没有认出时为 None）；`message` 是给学习者的中文说明，在 notebook 里
    显示的就是它。真值为是否通过。"""

    key: str
    status: str
    message: str
    mistake: Mistake = None

    def __bool__(self):
        return self.status == "passed"

    def __repr__(self):
        return self.message


def _run(key, obj):
    """在练习 `key` 的例子上运行 `obj`，记下每一项（直到出错）。全局的 Paddle 随机数状态不受影响。"""
    items = []
    state = paddle.get_rng_state()
    try:
        for item in CASES[key].run(obj):
            items.append(_Recorded(item.label, tensor(item.value, f"「{item.label}」"), item.tol, item.floor))
    except Exception as err:  # noqa: BLE001 - 学习者的代码可能抛出任何异常，都要变成一句说明
        return _Trace(tuple(items), err)
    finally:
        paddle.set_rng_state(state)
    return _Trace(tuple(items))


def _compare(expected, got):
    """两项之差超出容差时给出 `_Difference`，否则 None。两边在同一位置都是 NaN 算相同。"""
    e, g = expected.value, got.value
    if e.shape != g.shape:
        return _Difference(expected.label, shapes=(list(e.shape), list(g.shape)))
    finite = np.abs(e[np.isfinite(e)])
    scale = max(float(finite.max()) if finite.size else 0.0, expected.floor)
    with np.errstate(invalid="ignore"):
        gap = np.abs(g - e)
        bad = ~((gap <= expected.tol * scale) | (np.isnan(e) & np.isnan(g)))
    if not bad.any():
        return None
    where = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(gap, nan=np.inf), -1.0)), e.shape)
    return _Difference(expected.label, element=tuple(int(i) for i in where) if e.ndim else None,
                       expected=float(e[where]), got=float(g[where]), scale=scale, tol=expected.tol,
                       count=int(bad.sum()))


def _first_difference(expected, got):
    for a, b in zip(expected.items, got.items):
        difference = _compare(a, b)
        if difference is not None:
            return difference
    return None


def _same(a, b):
    """两次运行都完整、逐项都在容差之内（以 `a` 为期望）。"""
    return (a.error is None and b.error is None and len(a.items) == len(b.items)
            and _first_difference(a, b) is None)


@functools.lru_cache(maxsize=None)
def reference_trace(key):
    trace = _run(key, reference_object(exercise(key)))
    if trace.error is not None:
        raise RuntimeError(f"参考实现在练习 {key!r} 的例子上出错") from trace.error
    return trace


@functools.lru_cache(maxsize=None)
def mistake_trace(mistake):
    return _run(mistake.check, mistaken(mistake))


@functools.lru_cache(maxsize=None)
def recognizable(key):
    """练习 `key` 中能在例子上认出来的错误：运行不出错，与参考实现不同，也与表中其他每个错误都不同。"""
    traces = {m: mistake_trace(m) for m in mistakes_for(key)}
    reference = reference_trace(key)
    return tuple(m for m, t in traces.items()
                 if t.error is None and not _same(reference, t)
                 and not any(_same(t, other) for n, other in traces.items() if n is not m))


def recognize(key, trace):
    """与 `trace` 一致的常见错误：恰好一个时返回它，否则 None。"""
    found = [m for m in recognizable(key) if _same(mistake_trace(m), trace)]
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------------------------
# 给学习者的消息

def _number(x):
    return f"{x:.6g}"


def _percent(x):
    return f"{x:.2%}" if x >= 1e-4 else f"{x:.1e}"


def _describe_difference(d):
    if d.shapes is not None:
        return f"「{d.label}」的形状不同：应为 {d.shapes[0]}，得到 {d.shapes[1]}。"
    element = f"，元素 [{', '.join(map(str, d.element))}]" if d.element else ""
    gap = abs(d.got - d.expected)
    size = (f"相差 {gap:.2g}，是这一项量级 {d.scale:.3g} 的 {_percent(gap / d.scale)}；容差 {_percent(d.tol)}"
            if np.isfinite(gap) else "不是有限的数")
    more = f"这一项共有 {d.count} 个元素超出容差。" if d.count > 1 else ""
    return f"「{d.label}」{element}：应为 {_number(d.expected)}，得到 {_number(d.got)}（{size}）。{more}"


def _likely(mistake):
    lead = "" if "\u4e00" <= mistake.hint[0] <= "\u9fff" else " "
    return f"很可能{lead}{mistake.hint}。"


def _is_library(filename):
    path = str(Path(filename).resolve()) if not filename.startswith("<") else filename
    return path.startswith(_LIBRARIES) or filename.startswith("<frozen")


def _frames(err):
    tb = err.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def _unwritten(obj, err):
    """骨架里还没写的那个函数的名字（如 "Adam.update"）。"""
    frames = _frames(err)
    if not frames:
        return getattr(obj, "__name__", "")
    code = frames[-1].f_code
    if _is_library(code.co_filename):  # 基类里的 raise NotImplementedError：学习者没有定义这个方法
        return f"{obj.__name__}.{code.co_name}" if isinstance(obj, type) else code.co_name
    return code.co_qualname.split("<locals>.")[-1]  # 在函数里定义的类：只留“类名.方法名”


def _where_in_your_code(err):
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if not _is_library(frame.filename) and frame.filename != __file__:
            return f"（出错的一行：{frame.line.strip()}）" if frame.line else ""
    return ""


def _message_for_error(obj, err, reference, trace):
    following = reference.items[len(trace.items)].label if len(trace.items) < len(reference.items) else None
    when = f"在算「{following}」时" if following else "运行时"
    if isinstance(err, Unusable):
        return f"未通过：{when}发现问题：{err}"
    text = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
    return (f"未通过：{when}出错：{type(err).__name__}" + (f": {text}" if text else "")
            + _where_in_your_code(err))


def run_check(key, obj):
    """在练习 `key` 的例子上检查 `obj`（学习者的类或函数），返回 `CheckResult`。`check_*` 先检查参数再调用它。"""
    name = getattr(obj, "__name__", type(obj).__name__)
    reference = reference_trace(key)
    trace = _run(key, obj)
    difference = _first_difference(reference, trace)
    if difference is None and trace.error is not None:
        if isinstance(trace.error, NotImplementedError):
            return CheckResult(key, "not_written", f"还没有写：{_unwritten(obj, trace.error)}"
                                                   "（把 raise NotImplementedError 换成你的代码，再运行这个单元格）")
        return CheckResult(key, "error", _message_for_error(obj, trace.error, reference, trace))
    if difference is None and len(trace.items) == len(reference.items):
        return CheckResult(key, "passed", f"通过：{name} 与参考实现一致（{CASES[key].summary}）。")
    mistake = recognize(key, trace) if trace.error is None else None
    advice = (_likely(mistake) if mistake else
              "没有认出是哪一种常见错误：对照公式检查这一项是怎样算出来的（可以打印第一处不同之前的中间量，与手算的值比较）。")
    return CheckResult(key, "different", f"未通过：{_describe_difference(difference)}\n{advice}", mistake)


def check_optimizer(optimizer_class, name):
    """检查你写的优化器类（继承 `nndl.op.Optimizer`，写出 `update`）。`name` 是练习的名字：'sgd'、'adagrad'、
    'rmsprop'、'momentum'、'adam'、'adadelta'、'nesterov'、'adamw'、'weight_decay'（7.6 节的 BatchGD）。

    在一组固定的参数与梯度上，与参考实现各走 20 步，逐步逐元素比较；返回 `CheckResult`（放在单元格最后一行，
    显示的就是结论）。
    """
    return run_check(exercise(name, "optimizer").key, check_class(optimizer_class, "optimizer_class"))


def check_schedule(schedule_class, name):
    """检查你写的学习率调度类（继承 `nndl.lr.LRSchedule`，写出 `value(t)`）。`name`：'cosine_annealing_decay'。"""
    return run_check(exercise(name, "schedule").key, check_class(schedule_class, "schedule_class"))


def check_init(init_function, name):
    """检查你写的初始化函数 `f(input_size, output_size)`。`name`：'xavier_normal'、'xavier_uniform'、
    'kaiming_normal'。"""
    return run_check(exercise(name, "init").key, check_callable(init_function, "init_function"))


def check_layer(layer_class, name):
    """检查你写的算子或层（前向与反向）。`name`：'optimized_function'、'linear'（7.3.1 节）、'batchnorm'、
    'layernorm'（7.5 节）、'l2_loss'、'dropout'（7.6 节）。"""
    return run_check(exercise(name, "layer").key, check_class(layer_class, "layer_class"))

