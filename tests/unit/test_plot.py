"""nndl.plot：画出的轨迹与 train_f 的相同，图能建立并渲染，错误输入报错。"""

import io
import warnings

import numpy as np
import paddle
import pytest
from matplotlib.figure import Figure

import nndl  # noqa: F401  （先于 paddle 的其余部分导入，屏蔽 ccache 警告）
from nndl.op import Adagrad, Linear, OptimizedFunction, OptimizedFunction3D, SimpleBatchGD
from nndl.plot import function_values, plot_2d, plot_curves, plot_loss, train_and_plot, train_and_plot_f
from nndl.loops import train_f


def _render(fig):
    """真正画一遍（savefig 到内存），并确认没有缺字形之类的警告。"""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")


def _trajectory_lines(ax):
    """轨迹折线：带圆点标记的 Line2D（起点用方块、最优点用星号，不算在内）。"""
    return [line for line in ax.get_lines() if line.get_marker() == "o"]


def test_trajectory_drawn_equals_train_f():
    model = OptimizedFunction([0.2, 2])
    all_x, losses, fig = train_and_plot_f(model, SimpleBatchGD(0.2, model), epoch=20)
    assert isinstance(fig, Figure)
    ref_model = OptimizedFunction([0.2, 2])
    ref_x, ref_losses = train_f(ref_model, SimpleBatchGD(0.2, ref_model), paddle.to_tensor([3.0, 4.0]), 20)
    np.testing.assert_array_equal(all_x.numpy(), ref_x.numpy())
    assert losses == ref_losses
    (line,) = _trajectory_lines(fig.axes[0])
    np.testing.assert_allclose(line.get_xdata(), ref_x.numpy()[:, 0])
    np.testing.assert_allclose(line.get_ydata(), ref_x.numpy()[:, 1])
    assert line.get_xdata()[0] == 3.0 and line.get_ydata()[0] == 4.0
    _render(fig)


def test_plot_2d_several_trajectories_with_labels():
    paths = []
    for opt_class, kwargs in ((SimpleBatchGD, {}), (Adagrad, {"epsilon": 1e-7})):
        model = OptimizedFunction([0.2, 2])
        x, _ = train_f(model, opt_class(0.5, model, **kwargs), paddle.to_tensor([3.0, 4.0]), 10)
        paths.append(x)
    fig = plot_2d(OptimizedFunction([0.2, 2]), paths, labels=["SGD", "AdaGrad"], title="two")
    ax = fig.axes[0]
    assert len(_trajectory_lines(ax)) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "AdaGrad"]
    assert ax.get_title() == "two"
    _render(fig)


def test_plot_2d_leaves_model_untouched():
    model = OptimizedFunction([0.2, 2])
    x = paddle.to_tensor([1.0, 2.0])
    model(x)
    plot_2d(model, np.array([[3.0, 4.0], [1.0, 1.0]]))
    assert model.params["x"] is x


def test_function_values():
    x1, x2 = np.meshgrid([-1.0, 0.0, 2.0], [0.5, 3.0])
    np.testing.assert_allclose(function_values(OptimizedFunction([0.2, 2]), x1, x2), 0.2 * x1 ** 2 + 2 * x2 ** 2,
                               rtol=1e-6)
    np.testing.assert_allclose(function_values(OptimizedFunction3D(), x1, x2),
                               x1 ** 2 + x2 ** 2 + x2 ** 3 + x1 * x2, rtol=1e-6)
    with pytest.raises(TypeError, match="不知道如何在网格上计算 Linear"):
        function_values(Linear(2), x1, x2)
    # A 3-D function must be refused by the "2-D only" check itself, naming the shape, not by whatever error the grid
    # computation raises further on.
    with pytest.raises(ValueError, match=r"只能画二维函数，w 的形状为 \[3\]"):
        function_values(OptimizedFunction([1.0, 2.0, 3.0]), x1, x2)


@pytest.mark.parametrize("bad, message", [(np.zeros((0, 2)), r"轨迹的形状应为 \[步数, 2\].*\[0, 2\]"),
                                          (np.zeros((3, 3)), r"轨迹的形状应为 \[步数, 2\].*\[3, 3\]"),
                                          (np.zeros(4), r"轨迹的形状应为 \[步数, 2\].*\[4\]"),
                                          (np.array([[1.0, np.nan]]), "轨迹中有非有限值")])
def test_plot_2d_rejects_bad_trajectory(bad, message):
    with pytest.raises(ValueError, match=message):
        plot_2d(OptimizedFunction([0.2, 2]), bad)


def test_plot_2d_rejects_bad_arguments():
    model, path = OptimizedFunction([0.2, 2]), np.array([[3.0, 4.0]])
    with pytest.raises(ValueError, match="至少需要一条轨迹"):
        plot_2d(model, [])
    with pytest.raises(ValueError, match="labels 有 1 个，轨迹有 2 条"):
        plot_2d(model, [path, path], labels=["only one"])
    with pytest.raises(ValueError, match="xlim"):
        plot_2d(model, path, xlim=(5, -2))
    with pytest.raises(ValueError, match="ylim"):
        plot_2d(model, path, ylim=(-2, float("inf")))
    with pytest.raises(TypeError, match="ylim"):
        plot_2d(model, path, ylim=(-2, 0, 5))


def test_plot_loss_and_train_and_plot():
    paddle.seed(0)
    X = paddle.randn([200, 2])
    y = paddle.matmul(X, paddle.to_tensor([[0.5], [0.8]]))
    model = Linear(2)
    iter_loss, epoch_loss, fig = train_and_plot((X, y), model, SimpleBatchGD(0.1, model), paddle.nn.MSELoss(),
                                                num_epochs=3, batch_size=64)
    assert len(iter_loss) == 3 * 4 and len(epoch_loss) == 3
    left, right = fig.axes
    assert left.get_title() == "iteration loss" and right.get_title() == "epoch loss"
    np.testing.assert_allclose(left.get_lines()[0].get_ydata(), iter_loss)
    np.testing.assert_allclose(right.get_lines()[0].get_ydata(), epoch_loss)
    _render(fig)
    with pytest.raises(ValueError, match=r"iter_loss 应为非空的一维序列，收到形状 \[0\]"):
        plot_loss([], [1.0])
    with pytest.raises(ValueError, match=r"iter_loss 应为非空的一维序列，收到形状 \[1, 2\]"):
        plot_loss([[1.0, 2.0]], [1.0])
    with pytest.raises(ValueError, match=r"epoch_loss 应为非空的一维序列"):
        plot_loss([1.0], [])


def test_plot_curves():
    fig = plot_curves({"a": [3.0, 2.0, 1.0], "b": [2.0, 1.5]}, title="t", logy=True)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["a", "b"]
    _render(fig)
    with pytest.raises(ValueError, match="curves 应为非空的"):
        plot_curves({})
    with pytest.raises(ValueError, match=r"curves\['a'\] 应为非空的一维序列，收到形状 \[0\]"):
        plot_curves({"a": []})


def test_plot_curves_styles_and_plot_loss_logy():
    fig = plot_curves({"a": [3.0, 2.0, 1.0], "b": [2.0, 1.5]}, styles={"b": {"color": "#123456", "linestyle": "--"}})
    a, b = fig.axes[0].get_lines()
    assert b.get_color() == "#123456" and b.get_linestyle() == "--" and a.get_color() != "#123456"
    with pytest.raises(ValueError, match="styles"):
        plot_curves({"a": [1.0]}, styles={"c": {}})
    fig = plot_loss([3.0, 2.0, 1.0], [2.0, 1.0], logy=True)
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    assert all(ax.get_yscale() == "linear" for ax in plot_loss([3.0, 2.0], [2.0]).axes)
