"""每个练习的小例子：固定的数据、几十步以内，把被检查的对象（类或函数）运行一遍，依次给出要比较的量。

一个例子是一个生成器函数 `run(obj)`，按顺序产生 `Item`：这一项叫什么（学习者读到的中文，如“第 3 步更新之后的
参数 W”）、得到的值，以及容差。检查（`nndl.practice.checks`）对参考实现、学习者的实现和每个常见错误各运行一遍，
逐项比较，第一处不同就是报告的位置。

容差相对于这一项的量级：允许的偏差是 `tol * max(这一项期望值的最大绝对值, floor)`。默认 `tol = 1e-4`：同一个公式
换一种 float32 的写法（先乘后除、合并常数），几十步累积的舍入误差在 1e-6 的量级，在任何 CPU 上都远在容差之内；
表中每个常见错误在这些例子上至少差出容差的 20 倍（tests/unit/test_practice.py 检查），大多数差出成百上千倍。
例子的超参数因此特意选得能把错误分开：例如 ε 取 0.01 而不是书中的 1e-7（ε 在根号内外才看得出差别），
β 不取 0.5（β 与 1−β 互换才有区别），AdaDelta 的学习率不取 1。
"""

import inspect
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import paddle

from ..op.layers import MLP_3L

__all__ = ["Item", "Case", "CASES", "Unusable"]

TOL = 1e-4


@dataclass(frozen=True)
class Item:
    label: str
    value: object
    tol: float = TOL
    floor: float = 1e-3


@dataclass(frozen=True)
class Case:
    summary: str   # 通过时说明比较了什么，如“2 个参数、20 步更新，逐元素比较”
    run: object    # run(obj) -> 产生 Item 的生成器
    note: str = "" # 练习 notebook 里告诉学习者的一句：检查比较什么（只在不是逐个元素比较时需要）


class Unusable(Exception):
    """被检查的对象不能这样用（构造参数不对、该返回张量却返回了别的……）：信息直接给学习者看。"""


def construct(cls, **kwargs):
    """按书中的参数名构造 `cls(**kwargs)`；参数名对不上时给出一句说明，而不是 Python 的 TypeError。"""
    try:
        inspect.signature(cls).bind(**kwargs)
    except TypeError as err:
        args = ", ".join(f"{k}=…" if k == "model" else f"{k}={v!r}" for k, v in kwargs.items())
        raise Unusable(f"无法这样构造：{cls.__name__}({args})（{err}）。构造函数的参数名要与书中的相同") from None
    except ValueError:  # 没有签名可查（内建类型）：照常调用
        pass
    return cls(**kwargs)


def tensor(value, what):
    """`value` 作为数组（float64）；不是数值时说明是哪一个量。"""
    if value is None:
        raise Unusable(f"{what}是 None（还没有算出来？）")
    if isinstance(value, paddle.Tensor):
        value = value.numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Unusable(f"{what}应当是数值或张量，收到 {type(value).__name__}") from None


def _rng(seed):
    return np.random.RandomState(seed)


def _f32(array):
    return np.asarray(array, dtype=np.float32)


# ---------------------------------------------------------------------------------------------------------------
# 优化器：一个只有 params、grads 两个字典的“模型”，梯度是事先固定的一串（与参数无关），所以第 t 步的差别只来自
# 更新公式，不会被反馈放大。每个元素的梯度量级不同（0.01 到 3），ε 的位置、开不开方都看得出来。

def optimizer_case(lr, shapes=(("W", (3, 2)), ("b", (2,))), steps=20, seed=0, **hyper):
    rng = _rng(seed)
    initial = {name: _f32(rng.uniform(-1.5, 1.5, shape)) for name, shape in shapes}
    scale = {name: 10 ** rng.uniform(-2, 0.5, shape) for name, shape in shapes}
    base = {name: rng.standard_normal(shape) for name, shape in shapes}
    grads = [{name: _f32(scale[name] * (base[name] + 0.6 * rng.standard_normal(shape))) for name, shape in shapes}
             for _ in range(steps)]

    def run(cls):
        model = SimpleNamespace(params={n: paddle.to_tensor(v) for n, v in initial.items()}, grads={})
        optimizer = construct(cls, init_lr=lr, model=model, **hyper)
        for t in range(steps):
            model.grads.update({n: paddle.to_tensor(g) for n, g in grads[t].items()})
            optimizer.step()
            for name in initial:
                value = model.params.get(name)
                if not isinstance(value, paddle.Tensor):
                    raise Unusable(f"第 {t + 1} 步更新之后 params[{name!r}] 不是 paddle.Tensor，而是 "
                                   f"{type(value).__name__}：update 应当返回更新后的参数张量")
                yield Item(f"第 {t + 1} 步更新之后的参数 {name}", value)

    described = "、".join(f"{name} {list(shape)}" for name, shape in shapes)
    settings = "，".join(f"{k}={v:g}" for k, v in {"init_lr": lr, **hyper}.items())
    return Case(f"{len(shapes)} 个参数（{described}）、{steps} 步更新，{settings}，逐元素比较", run)


# ---------------------------------------------------------------------------------------------------------------
# 学习率调度：schedule(t) 在 t = 0, 1, …（超过 T_max，余弦会回升）

def schedule_case(steps=25, **kwargs):
    def run(cls):
        schedule = construct(cls, **kwargs)
        for t in range(steps):
            yield Item(f"schedule({t})（已做 {t} 次更新之后的学习率）", schedule(t), tol=1e-6)

    settings = "，".join(f"{k}={v:g}" for k, v in kwargs.items())
    return Case(f"{settings}，t = 0 到 {steps - 1}", run)


# ---------------------------------------------------------------------------------------------------------------
# 初始化：几组 (输入个数, 输出个数)

FANS = ((2, 3), (3, 2), (20, 3), (100, 10), (784, 256), (1, 1))


def init_case(name):
    def run(fn):
        for fan_in, fan_out in FANS:
            yield Item(f"{name}({fan_in}, {fan_out})", fn(fan_in, fan_out), tol=1e-6, floor=0.0)

    return Case(f"{len(FANS)} 组 (输入个数, 输出个数)，从 (2, 3) 到 (784, 256)", run)


# ---------------------------------------------------------------------------------------------------------------
# 算子与层

def optimized_function_case():
    points = ([3.0, 4.0], [-1.5, 0.5], [0.25, -2.0])

    def run(cls):
        function = construct(cls, w=paddle.to_tensor([0.2, 2.0]))
        for x in points:
            yield Item(f"x = {x} 处的函数值", function(paddle.to_tensor(x)))
            function.backward()
            yield Item(f"x = {x} 处 backward() 之后的 grads['x']", tensor(function.grads.get("x"), "grads['x'] "))

    return Case(f"w = [0.2, 2]，{len(points)} 个点上的函数值与梯度", run)


def linear_case():
    rng = _rng(3)
    W, b = _f32([[0.3], [-0.8], [1.2]]), _f32([0.1])
    X, y = _f32(rng.standard_normal((5, 3))), _f32(rng.standard_normal((5, 1)))

    def run(cls):
        layer = construct(cls, input_size=3)
        layer.params["W"], layer.params["b"] = paddle.to_tensor(W), paddle.to_tensor(b)
        yield Item("前向的输出 z = XW + b", layer(paddle.to_tensor(X)))
        layer.backward(paddle.to_tensor(y))
        for name in ("W", "b"):
            yield Item(f"backward(labels) 之后的 grads[{name!r}]", tensor(layer.grads.get(name), f"grads[{name!r}] "))

    return Case("K = 5 个样本、3 个特征，输出与 W、b 的梯度", run)


def _gradient(tensor_, what):
    if tensor_.grad is None:
        raise Unusable(f"{what}没有梯度：它参与前向计算了吗？（不要在 paddle.no_grad() 里或对 detach() 之后的张量计算输出）")
    return tensor_.grad


def batchnorm_case():
    rng = _rng(11)
    settings = dict(eps=0.05, momentum=0.8, gamma=1.5, beta=-0.5)
    # 三个特征的尺度不同（第三个的方差与 ε 相当，ε 的位置看得出来）
    batches = [(_f32(rng.standard_normal((6, 3)) * [2.0, 0.5, 0.1] + [3.0, -1.0, 0.5]),
                _f32(rng.standard_normal((6, 3)))) for _ in range(3)]
    test_2d = _f32(rng.standard_normal((4, 3)) * [2.0, 0.5, 0.1] + [3.0, -1.0, 0.5])
    channel = np.array([1.5, 0.2]).reshape(1, 2, 1, 1)
    train_4d = _f32(rng.standard_normal((3, 2, 2, 3)) * channel + 1.0), _f32(rng.standard_normal((3, 2, 2, 3)))
    test_4d = _f32(rng.standard_normal((2, 2, 2, 3)) * channel + 1.0)

    def train_step(layer, X, weights, where):
        X = paddle.to_tensor(X, stop_gradient=False)
        out = layer(X, train_mode=True)
        yield Item(f"{where}的输出", out)
        (out * paddle.to_tensor(weights)).sum().backward()
        yield Item(f"{where}：损失 sum(输出 × 权重) 对输入 X 的梯度", _gradient(X, "输入 X "))
        yield Item(f"{where}：对 γ 的梯度", _gradient(layer.gamma, "γ "))
        yield Item(f"{where}：对 β 的梯度", _gradient(layer.beta, "β "))
        layer.gamma.clear_gradient()
        layer.beta.clear_gradient()

    def moving(layer, name, where):
        value = getattr(layer, name)
        if isinstance(value, paddle.Tensor) and not value.stop_gradient:
            raise Unusable(f"{where}的 {name} 带着计算图（stop_gradient=False）：更新滑动平均时先对本批次的统计量 "
                           "detach()，再用 set_value 写回缓冲区；否则每个批次的计算图都连在它上面，越训练越占内存")
        return value

    def run(cls):
        layer = construct(cls, num_features=3, **settings)
        for k, (X, weights) in enumerate(batches, 1):
            yield from train_step(layer, X, weights, f"二维输入，第 {k} 个训练批次")
        yield Item("二维输入，三个训练批次之后的滑动均值 moving_mean", moving(layer, "moving_mean", "三个训练批次之后"))
        yield Item("二维输入，三个训练批次之后的滑动方差 moving_variance",
                   moving(layer, "moving_variance", "三个训练批次之后"))
        with paddle.no_grad():
            yield Item("二维输入，测试模式（train_mode=False）的输出", layer(paddle.to_tensor(test_2d), train_mode=False))
        layer = construct(cls, num_features=2, **settings)
        yield from train_step(layer, *train_4d, "四维输入 [3, 2, 2, 3]，训练批次")
        yield Item("四维输入，训练之后的滑动均值 moving_mean", moving(layer, "moving_mean", "四维输入训练之后"))
        yield Item("四维输入，训练之后的滑动方差 moving_variance", moving(layer, "moving_variance", "四维输入训练之后"))
        with paddle.no_grad():
            yield Item("四维输入，测试模式（train_mode=False）的输出", layer(paddle.to_tensor(test_4d), train_mode=False))

    return Case("二维输入三个训练批次与一个测试批次、四维输入各一个，num_features=3 与 2，eps=0.05，momentum=0.8，"
                "比较输出、对 X、γ、β 的梯度与滑动平均", run)


def layernorm_case():
    rng = _rng(13)
    inputs = [_f32(rng.standard_normal(shape) * 1.5 + 0.7) for shape in ((4, 6), (2, 3, 4), (2, 2, 3, 3))]
    weights = [_f32(rng.standard_normal(x.shape)) for x in inputs]

    def run(cls):
        for X, w in zip(inputs, weights):
            layer = construct(cls, eps=0.05, gamma=1.5, beta=-0.5)
            where = f"{X.ndim} 维输入 {list(X.shape)}"
            X = paddle.to_tensor(X, stop_gradient=False)
            out = layer(X)
            yield Item(f"{where}的输出", out)
            (out * paddle.to_tensor(w)).sum().backward()
            yield Item(f"{where}：损失 sum(输出 × 权重) 对输入 X 的梯度", _gradient(X, "输入 X "))
            yield Item(f"{where}：对 γ 的梯度", _gradient(layer.gamma, "γ "))
            yield Item(f"{where}：对 β 的梯度", _gradient(layer.beta, "β "))

    return Case("二维、三维、四维输入各一个，eps=0.05，比较输出与对 X、γ、β 的梯度", run)


def dropout_case():
    rng = _rng(5)
    p = 0.3
    X = _f32(0.5 + rng.random_sample((250, 250)))     # 没有 0：输出为 0 就是被丢弃
    delta = _f32(0.5 + rng.random_sample((250, 250)))

    def run(cls):
        layer = construct(cls, drop_rate=p)
        paddle.seed(2024)
        out = tensor(layer(paddle.to_tensor(X)), "训练模式的输出")
        if out.shape != X.shape:
            raise Unusable(f"训练模式的输出形状是 {list(out.shape)}，应当与输入相同：{list(X.shape)}")
        dropped = out == 0
        # 62500 个元素：丢弃比例的标准差约 0.002，容差 0.015 是它的 7 倍；以 p 保留（而非丢弃）会差 0.4
        yield Item("训练模式：输出为 0（被丢弃）的元素所占的比例", dropped.mean(), tol=0.015, floor=1.0)
        kept = out[~dropped] / X[~dropped]
        yield Item("训练模式：保留下来的元素，输出与输入之比的最小值", kept.min() if kept.size else 0.0, tol=1e-5)
        yield Item("训练模式：保留下来的元素，输出与输入之比的最大值", kept.max() if kept.size else 0.0, tol=1e-5)
        grads = tensor(layer.backward(paddle.to_tensor(delta)), "backward 的返回值")
        if grads.shape != X.shape:
            raise Unusable(f"backward 返回的梯度形状是 {list(grads.shape)}，应当与输入相同：{list(X.shape)}")
        yield Item("反向：被丢弃的位置上梯度的最大绝对值", np.abs(grads[dropped]).max() if dropped.any() else 0.0,
                   tol=1e-6, floor=1.0)
        passed = grads[~dropped] / delta[~dropped]
        yield Item("反向：保留下来的位置上，梯度与上游梯度之比的最小值", passed.min() if passed.size else 0.0, tol=1e-5)
        yield Item("反向：保留下来的位置上，梯度与上游梯度之比的最大值", passed.max() if passed.size else 0.0, tol=1e-5)
        layer.eval()
        out = tensor(layer(paddle.to_tensor(X)), "测试模式的输出")
        yield Item("测试模式（eval() 之后）：输出与输入之差的最大绝对值", np.abs(out - X).max(), tol=1e-6, floor=1.0)
        grads = tensor(layer.backward(paddle.to_tensor(delta)), "测试模式下 backward 的返回值")
        yield Item("测试模式：反向的梯度与上游梯度之差的最大绝对值", np.abs(grads - delta).max(), tol=1e-6, floor=1.0)

    return Case(f"drop_rate={p}，250×250 的输入：丢弃的比例、保留元素的缩放、反向传播、测试模式", run,
                note="掩码是随机的，不必与参考实现逐个相同：检查比较的是被丢弃的元素所占的比例、保留下来的元素的缩放、"
                     "反向传播和测试模式。")


def l2_loss_case():
    rng = _rng(17)
    sizes = [2, 5, 4, 1]
    params = {(i, "W"): _f32(0.8 * rng.standard_normal((sizes[i], sizes[i + 1]))) for i in range(3)}
    params.update({(i, "b"): _f32(0.3 * rng.standard_normal((1, sizes[i + 1]))) for i in range(3)})
    X = _f32(rng.standard_normal((8, 2)))
    y = _f32(rng.randint(0, 2, (8, 1)))

    def run(cls):
        model = MLP_3L(sizes)
        layers = [model.fc1, model.fc2, model.fc3]
        for i, layer in enumerate(layers):
            layer.params["W"], layer.params["b"] = paddle.to_tensor(params[i, "W"]), paddle.to_tensor(params[i, "b"])
        for lambd in (0.0, 0.7):
            loss_fn = construct(cls, model=model, lambd=lambd)
            loss = loss_fn(model(paddle.to_tensor(X)), paddle.to_tensor(y))
            yield Item(f"λ = {lambd:g} 时的损失", tensor(loss, "损失"))
            loss_fn.backward()
            for layer in layers:
                for name in ("W", "b"):
                    yield Item(f"λ = {lambd:g} 时 backward() 之后 {layer.name}.{name} 的梯度",
                               tensor(layer.grads.get(name), f"{layer.name}.grads[{name!r}] "))

    return Case("MLP_3L([2, 5, 4, 1])、N = 8 个样本，λ = 0 与 0.7：损失与每个参数的梯度", run)


CASES = {
    "sgd": optimizer_case(lr=0.1),
    "adagrad": optimizer_case(lr=0.1, epsilon=0.01),
    "rmsprop": optimizer_case(lr=0.05, beta=0.9, epsilon=0.01),
    "momentum": optimizer_case(lr=0.05, rho=0.9),
    "adam": optimizer_case(lr=0.05, beta1=0.9, beta2=0.99, epsilon=0.01),
    "adadelta": optimizer_case(lr=0.5, beta=0.9, epsilon=1e-3),
    "nesterov": optimizer_case(lr=0.05, rho=0.9),
    "adamw": optimizer_case(lr=0.2, beta1=0.9, beta2=0.99, epsilon=0.01, weight_decay=0.5),
    "weight_decay": optimizer_case(lr=0.1, shapes=(("fc1.W", (3, 4)), ("fc1.b", (1, 4))), weight_decay=0.05),
    "cosine_annealing_decay": schedule_case(init_lr=0.1, T_max=10, eta_min=0.01),
    "xavier_normal": init_case("xavier_normal_std"),
    "xavier_uniform": init_case("xavier_uniform_r"),
    "kaiming_normal": init_case("kaiming_normal_std"),
    "optimized_function": optimized_function_case(),
    "linear": linear_case(),
    "batchnorm": batchnorm_case(),
    "layernorm": layernorm_case(),
    "dropout": dropout_case(),
    "l2_loss": l2_loss_case(),
}
