"""nndl.practice：每个练习的检查都证明它能分辨对错。

对 nndl.practice.catalog 中的每个练习：
- 参考实现（各节页面上显示的那份源码）通过；
- 练习 notebook 里的骨架（tools/make_practice.py 生成的同一份）报告“还没有写”，只有一行；
- nndl.practice.mistakes 中它的每个常见错误（打进参考实现源码的那处替换）都不通过，而且被说出来的恰好是它；
- 一个随手的错答（更新量、输出或梯度差千分之几）不通过，也不被说成任何一个常见错误；
- 每个错误与参考实现、与其他错误在例子上至少差出容差的 SEPARATION 倍：容差远小于任何错误的效应，认错才可靠；
- 等价的另一种写法（换一种运算顺序、换一种随机数取掩码）通过：容差不会冤枉对的答案；
- 在另一种模拟的机器上（MKL 的 COMPATIBLE 代码路径、3 个线程）每个结论都相同。
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import paddle
import pytest

from nndl.op import Adagrad, Adam, BatchNorm, Dropout, LayerNorm, RMSprop
from nndl.practice import check_init, check_layer, check_optimizer, check_schedule
from nndl.practice.catalog import EXERCISES, KINDS, exercise, reference_object
from nndl.practice.checks import mistake_trace, recognizable, reference_trace, run_check
from nndl.practice.mistakes import MISTAKES, mistakes_for
from nndl.practice.patch import mistaken

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_practice  # noqa: E402

KEYS = [item.key for item in EXERCISES]
# 错误的效应至少是容差的这么多倍。确定性的例子实测都在 250 倍以上；Dropout 的丢弃比例是统计量（62500 个元素），
# 容差取标准差的 7 倍，“以 p 保留”仍差出 26 倍。
SEPARATION = 20


@pytest.fixture(scope="module")
def listings():
    return {listing.item.key: listing for stem in make_practice.sections() for listing in make_practice.listings(stem)}


def skeleton(listing):
    """练习 notebook 里的骨架：导入单元格的导入加上骨架单元格，执行后得到的类或函数。"""
    namespace = {}
    exec(make_practice.imports_for([listing]) + "\n" + make_practice.skeleton_source(listing), namespace)  # noqa: S102
    return namespace[listing.item.name]


def test_catalog_and_mistakes_are_well_formed():
    assert len(EXERCISES) >= 15 and len(set(KEYS)) == len(KEYS)
    assert {item.kind for item in EXERCISES} == set(KINDS)
    names = [m.name for m in MISTAKES]
    assert len(names) == len(set(names)), "错误的名字必须互不相同（它们也是敏感性测试里 bug 的名字）"
    for m in MISTAKES:
        assert m.check in KEYS, m.name
        assert m.old != m.new, m.name
        assert (ROOT / m.path).read_text(encoding="utf-8").count(m.old) == 1, f"{m.name}: {m.path} 中应恰好有一处 old"
        for notebook in m.notebooks:
            assert (ROOT / notebook).is_file(), m.name
    for key in KEYS:
        assert len(mistakes_for(key)) >= 2, f"练习 {key} 至少要有两个常见错误"


@pytest.mark.parametrize("key", KEYS)
def test_reference_passes(key):
    result = run_check(key, reference_object(exercise(key)))
    assert result and result.status == "passed" and result.mistake is None, result.message
    assert result.message.startswith("通过：")


@pytest.mark.parametrize("key", KEYS)
def test_skeleton_reports_not_written_in_one_line(key, listings):
    listing = listings[key]
    result = run_check(key, skeleton(listing))
    assert result.status == "not_written" and not result, result.message
    item = listing.item
    first = f"{item.name}.{item.blanks[0]}" if item.blanks else item.name
    assert result.message.startswith(f"还没有写：{first}（") and "\n" not in result.message, result.message
    assert "Traceback" not in result.message


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_each_mistake_fails_and_is_named(mistake):
    result = run_check(mistake.check, mistaken(mistake))
    assert result.status == "different", result.message
    assert result.mistake is mistake, (f"{mistake.name}: 认成了 {result.mistake.name if result.mistake else '（没有认出）'}\n"
                                       + result.message)
    advice = result.message.splitlines()[-1]
    assert result.message.startswith("未通过：「") and advice.startswith("很可能") and advice.endswith(f"{mistake.hint}。")


@pytest.mark.parametrize("key", KEYS)
def test_every_mistake_is_far_from_the_reference_and_from_the_others(key):
    traces = {m.name: mistake_trace(m) for m in mistakes_for(key)}
    assert set(recognizable(key)) == set(mistakes_for(key))
    reference = reference_trace(key)
    for name, trace in traces.items():
        assert trace.error is None, f"{name}: 在例子上出错 {trace.error!r}"
        assert separation(reference, trace) >= SEPARATION, (name, separation(reference, trace))
        for other, trace2 in traces.items():
            if other != name:
                assert separation(trace, trace2) >= SEPARATION, (name, other, separation(trace, trace2))


def separation(expected, got):
    """两次运行最大的差别，以容差为单位（各项取最大）。"""
    best = 0.0
    for a, b in zip(expected.items, got.items):
        if a.value.shape != b.value.shape:
            return np.inf
        finite = np.abs(a.value[np.isfinite(a.value)])
        allowed = a.tol * max(float(finite.max()) if finite.size else 0.0, a.floor)
        best = max(best, float(np.nanmax(np.abs(a.value - b.value))) / allowed if a.value.size else 0.0)
    return best


def perturbed(key):
    """一个随手的错答：参考实现的结果差千分之几（不是表中的任何一个错误）。"""
    item = exercise(key)
    reference = reference_object(item)
    rng = np.random.RandomState(99)
    if item.kind == "optimizer":
        def update(self, x, g, state):
            return reference.update(self, x, g, state) + paddle.to_tensor(
                1e-3 * rng.standard_normal(x.shape).astype("float32"))
        return type(item.name, (reference,), {"update": update})
    if item.kind == "schedule":
        def value(self, t):
            return reference.value(self, t) * (1 + 2e-3 * np.sin(t + 1))
        return type(item.name, (reference,), {"value": value})
    if item.kind == "init":
        return lambda fan_in, fan_out: reference(fan_in, fan_out) * 1.002
    if key in ("batchnorm", "layernorm", "dropout"):
        def forward(self, *args, **kwargs):
            return reference.forward(self, *args, **kwargs) * 1.002
        return type(item.name, (reference,), {"forward": forward})

    def backward(self, *args):
        out = reference.backward(self, *args)
        owner = self.model.fc2 if key == "l2_loss" else self
        for name in owner.grads:
            owner.grads[name] = owner.grads[name] * 1.002
        return out
    return type(item.name, (reference,), {"backward": backward})


@pytest.mark.parametrize("key", KEYS)
def test_a_random_wrong_answer_fails_without_naming_a_mistake(key):
    result = run_check(key, perturbed(key))
    assert result.status == "different" and result.mistake is None, result.message
    assert "没有认出是哪一种常见错误" in result.message and "很可能" not in result.message


@pytest.mark.parametrize("key", KEYS)
def test_messages_never_show_the_reference_code(key, listings):
    code = [line.strip() for line in make_practice.solution_source(listings[key]).splitlines()]
    code = [line for line in code if len(line) >= 12 and not line.startswith(("#", "r\"\"\"", "\"\"\""))]
    for obj in [perturbed(key)] + [mistaken(m) for m in mistakes_for(key)]:
        message = run_check(key, obj).message
        assert not [line for line in code if line in message], message


# ---- 等价的写法通过（容差不冤枉对的答案）----

class RewrittenAdam(Adam):
    def update(self, x, g, state):
        state.M = state.M + (1 - self.beta1) * (g - state.M)
        state.G = state.G + (1 - self.beta2) * (g.square() - state.G)
        denominator = paddle.sqrt(state.G / (1 - self.beta2 ** self.t) + self.epsilon)
        return x - self.init_lr * (state.M / (1 - self.beta1 ** self.t)) / denominator


class RewrittenRMSprop(RMSprop):
    def update(self, x, g, state):
        state.G = state.G * self.beta + g.square() * (1 - self.beta)
        return x - g * self.init_lr * paddle.rsqrt(state.G + self.epsilon)


class RewrittenBatchNorm(BatchNorm):
    def forward(self, X, train_mode=True):
        axes, shape = ([0], [1, -1]) if X.ndim == 2 else ([0, 2, 3], [1, -1, 1, 1])
        if train_mode:
            mean = X.mean(axis=axes, keepdim=True)
            var = paddle.var(X, axis=axes, keepdim=True, unbiased=False)
            with paddle.no_grad():
                self.moving_mean.set_value(self.momentum * self.moving_mean + (1 - self.momentum) * mean.reshape([-1]))
                self.moving_variance.set_value(self.moving_variance * self.momentum
                                               + var.reshape([-1]) * (1 - self.momentum))
        else:
            mean, var = self.moving_mean.reshape(shape), self.moving_variance.reshape(shape)
        return (X - mean) * paddle.rsqrt(var + self.eps) * self.gamma.reshape(shape) + self.beta.reshape(shape)


class RewrittenLayerNorm(LayerNorm):
    def forward(self, X):
        axes = list(range(1, X.ndim)) if X.ndim == 4 else [X.ndim - 1]
        centered = X - X.mean(axis=axes, keepdim=True)
        variance = (centered * centered).mean(axis=axes, keepdim=True)
        return self.gamma * centered * paddle.rsqrt(variance + self.eps) + self.beta


class BernoulliDropout(Dropout):
    """另一种随机数取掩码（paddle.bernoulli）：丢弃的比例是统计量，换一串随机数也在容差之内。"""

    def forward(self, inputs):
        if not self.training:
            self.mask = None
            return inputs
        self.mask = paddle.bernoulli(paddle.full(inputs.shape, 1 - self.drop_rate))
        return inputs * self.mask / (1 - self.drop_rate)


@pytest.mark.parametrize("key, obj", [
    ("adam", RewrittenAdam), ("rmsprop", RewrittenRMSprop), ("batchnorm", RewrittenBatchNorm),
    ("layernorm", RewrittenLayerNorm), ("dropout", BernoulliDropout),
    ("xavier_normal", lambda fan_in, fan_out: float(np.sqrt(np.float32(2) / np.float32(fan_in + fan_out)))),
], ids=lambda v: v if isinstance(v, str) else "")
def test_an_equivalent_rewrite_passes(key, obj):
    result = run_check(key, obj)
    assert result, result.message


# ---- 其他情形的说明 ----

def test_an_error_in_the_learners_code_is_one_line_naming_the_line():
    class Broken(Adam):
        def update(self, x, g, state):
            state.M = self.beta1 * state.M + (1 - self.beta1) * gradient  # noqa: F821 - the learner's typo
            return x

    result = check_optimizer(Broken, "adam")
    assert result.status == "error", result.message
    assert "NameError" in result.message
    assert "state.M = self.beta1 * state.M + (1 - self.beta1) * gradient" in result.message
    assert "在算「第 1 步更新之后的参数 W」时" in result.message and "Traceback" not in result.message


def test_a_half_written_layer_reports_what_is_missing():
    class HalfDropout(Dropout):
        def backward(self, grads):
            raise NotImplementedError

    assert check_layer(HalfDropout, "dropout").message.startswith("还没有写：HalfDropout.backward（")


def test_wrong_constructor_and_wrong_shape_are_explained():
    class Renamed(Adam):
        def __init__(self, init_lr, model, b1, b2, epsilon):
            super().__init__(init_lr, model, b1, b2, epsilon)

    assert "构造函数的参数名要与书中的相同" in check_optimizer(Renamed, "adam").message

    class Transposed(RMSprop):
        def update(self, x, g, state):
            return RMSprop.update(self, x, g, state).T

    message = check_optimizer(Transposed, "rmsprop").message  # the optimizer's step refuses it (nndl.validate)
    assert "params['W'] 的形状是 [2, 3]、类型是 paddle.float32，应当与参数相同：形状 [3, 2]" in message, message


def test_a_moving_average_that_carries_the_graph_is_refused():
    """Assigning `m * moving + (1 - m) * mean` without detach() keeps every batch's graph alive; its values are
    right, so only this check sees it (nndl's own BatchNorm is held to the same by test_norm)."""
    class Attached(BatchNorm):
        def forward(self, X, train_mode=True):
            if not train_mode:
                return super().forward(X, train_mode)
            axes = [0] if X.ndim == 2 else [0, 2, 3]
            out = super().forward(X, train_mode)  # updates the buffers correctly, then ...
            mean = X.mean(axis=axes)  # ... the learner's own update, without detach()
            self.moving_mean = self.moving_mean + 0.0 * mean
            return out

    message = check_layer(Attached, "batchnorm").message
    assert "moving_mean 带着计算图（stop_gradient=False）" in message and "detach()" in message, message


@pytest.mark.parametrize("returned, says", [
    ("None", "得到 None（忘了 return 吗？）"),
    ("new.numpy()", "得到 numpy.ndarray"),
    ("new.astype('float64')", "类型是 paddle.float64，应当与参数相同：形状 [3, 2]、类型 paddle.float32"),
])
def test_an_update_that_returns_something_else_is_told_what(returned, says):
    """Forgetting `return`, returning NumPy or another dtype: said in the step where it happens, not as a Paddle
    error from a later operation (before, the first read "isfinite(): argument 'x' ... must be Tensor, but got None")."""
    namespace = {"Adagrad": Adagrad}
    exec(f"""class Mine(Adagrad):
    def update(self, x, g, state):
        new = Adagrad.update(self, x, g, state)
        return {returned}
""", namespace)
    result = check_optimizer(namespace["Mine"], "adagrad")
    assert result.status == "error" and "Mine.update 返回的 params['W']" in result.message, result.message
    assert says in result.message and "Traceback" not in result.message, result.message


def test_bad_arguments_name_the_argument():
    with pytest.raises(TypeError, match="^optimizer_class 必须是一个类"):
        check_optimizer("Adam", "adam")
    with pytest.raises(TypeError, match="^layer_class 必须是一个类.*传入类本身"):
        check_layer(BatchNorm(3), "batchnorm")
    with pytest.raises(TypeError, match="^init_function 必须是一个函数"):
        check_init(Adam, "xavier_normal")
    with pytest.raises(ValueError, match="^name 必须是 'sgd', .*之一，收到 'batchnorm'"):
        check_optimizer(Adam, "batchnorm")
    with pytest.raises(ValueError, match="^name 必须是 'cosine_annealing_decay' 之一，收到 'cosine'"):
        check_schedule(Adam, "cosine")


def test_a_check_leaves_paddles_random_state_alone():
    state = paddle.get_rng_state()
    check_layer(Dropout, "dropout")
    assert np.array_equal(paddle.rand([4]).numpy(), (paddle.set_rng_state(state), paddle.rand([4]))[1].numpy())


VERDICTS = """
import json
from nndl.practice.catalog import EXERCISES, reference_object
from nndl.practice.checks import run_check
from nndl.practice.mistakes import MISTAKES
from nndl.practice.patch import mistaken
out = {item.key: run_check(item.key, reference_object(item)).status for item in EXERCISES}
out.update({m.name: getattr(run_check(m.check, mistaken(m)).mistake, "name", None) for m in MISTAKES})
print(json.dumps(out))
"""


def test_verdicts_are_the_same_on_another_machine():
    """MKL 的 COMPATIBLE 代码路径（只用 SSE2）、3 个线程：参考实现照样通过，每个错误照样被认出。"""
    env = {**os.environ, "MKL_CBWR": "COMPATIBLE", "OMP_NUM_THREADS": "3"}
    result = subprocess.run([sys.executable, "-c", VERDICTS], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    verdicts = json.loads(result.stdout.strip().splitlines()[-1])
    assert verdicts == {**{key: "passed" for key in KEYS}, **{m.name: m.name for m in MISTAKES}}
