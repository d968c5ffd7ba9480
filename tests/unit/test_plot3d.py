"""nndl.plot3d（曲面、轨迹动画、HTML5 视频）、对比页的配方 nndl.sections.s7_3_5_comparison 与 nndl.trajectory 的测试。"""

import gc
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import paddle  # noqa: E402
import pytest  # noqa: E402
from matplotlib import animation  # noqa: E402

import nndl  # noqa: E402,F401
from nndl import plot3d  # noqa: E402
from nndl.data import make_fitting_data  # noqa: E402
from nndl.sections import s7_3_5_comparison as compare  # noqa: E402
from nndl.trajectory import Trajectory, first_index  # noqa: E402
from nndl.op import Adagrad, Adam, Momentum, OptimizedFunction, OptimizedFunction3D, RMSprop, SimpleBatchGD  # noqa: E402
from nndl.loops import train, train_f  # noqa: E402


def f3d(x0, x1):
    return x0 ** 2 + x1 ** 2 + x1 ** 3 + x0 * x1


# ---------- clip_to_box ----------

def test_clip_inside_path_is_unchanged():
    xy = np.array([[2.0, 3.0], [1.0, 1.0], [0.1, -0.2]])
    pieces, exits = plot3d.clip_to_box(xy)
    assert exits == []
    assert len(pieces) == 1
    np.testing.assert_array_equal(pieces[0][0], xy)
    assert pieces[0][1] == [0, 1, 2]


def test_clip_marks_exit_on_the_boundary():
    xy = np.array([[0.0, 0.0], [0.0, -2.0], [0.0, -4.0], [1.0, -100.0]])
    pieces, exits = plot3d.clip_to_box(xy)
    assert len(pieces) == 1
    points, indices = pieces[0]
    np.testing.assert_allclose(points, [[0, 0], [0, -2], [0, -3]])
    assert indices == [0, 1, 2]
    assert len(exits) == 1
    step, crossing = exits[0]
    assert step == 2
    np.testing.assert_allclose(crossing, [0.0, -3.0])


def test_clip_reentry_and_pass_through():
    # 出去再回来；再从外面穿过区域
    xy = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 1.0], [-5.0, 5.0], [5.0, -5.0]])
    pieces, exits = plot3d.clip_to_box(xy)
    assert [e[0] for e in exits] == [1, 3, 4]
    for points, _ in pieces:
        assert np.all(np.abs(points) <= 3.0 + 1e-12)
    # 穿过区域的那一段两端都在边界上
    last_points, last_idx = pieces[-1]
    assert last_idx == [4, 4]
    np.testing.assert_allclose(np.abs(last_points).max(axis=1), [3.0, 3.0])


def test_clip_treats_non_finite_points_as_outside():
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [np.inf, -np.inf]])
    pieces, exits = plot3d.clip_to_box(xy)
    assert len(pieces) == 1 and np.isfinite(pieces[0][0]).all()
    assert exits[0][0] == 2


# ---------- surface ----------

def test_surface_grid_matches_formula():
    X0, X1, Z = plot3d.surface_grid(OptimizedFunction3D(), num=7)
    assert X0.shape == Z.shape == (7, 7)
    np.testing.assert_allclose(Z, f3d(X0, X1), rtol=1e-5, atol=1e-4)


# ---------- animation and video ----------

def _momentum_and_sgd():
    x_init = paddle.to_tensor([2.0, 3.0])
    runs = {}
    for name, make in (("SGD", lambda m: SimpleBatchGD(0.01, m)), ("Momentum", lambda m: Momentum(0.01, m, 0.9))):
        model = OptimizedFunction3D()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            xs, losses = train_f(model, make(model), x_init, 30)
        runs[name] = (xs.numpy(), losses)
    return runs


@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")
def test_animation_clips_diverging_trajectory():
    runs = _momentum_and_sgd()
    assert len(runs["Momentum"][0]) < 30  # 发散后提前停止
    fig, anim = plot3d.animate_trajectories(OptimizedFunction3D(), runs, frames=30,
                                            markers={"local min": (0, 0), "saddle": (0.25, -0.5)})
    try:
        assert isinstance(anim, animation.FuncAnimation)
        ax = fig.axes[0]
        anim._func(29)  # 最后一帧：Momentum 早已离开区域
        lines = {line.get_label(): line for line in ax.get_lines()}
        x, y, z = lines["Momentum"].get_data_3d()
        finite = np.isfinite(np.asarray(x, dtype=float))
        assert finite.any()
        assert np.all(np.abs(np.asarray(x, dtype=float)[finite]) <= 3 + 1e-9)
        assert np.all(np.abs(np.asarray(y, dtype=float)[finite]) <= 3 + 1e-9)
        # 离开处的 × 出现在边界上
        exit_marks = [line for line in ax.get_lines() if line.get_marker() == "X" and len(line.get_data_3d()[0])]
        assert len(exit_marks) == 1
        ex, ey, _ = exit_marks[0].get_data_3d()
        assert max(abs(ex[0]), abs(ey[0])) == pytest.approx(3.0)
        # 第 0 帧只有起点
        anim._func(0)
        x0, y0, _ = lines["SGD"].get_data_3d()
        np.testing.assert_allclose([x0[0], y0[0]], [2.0, 3.0])
        assert len(x0) == 1
    finally:
        matplotlib.pyplot.close(fig)
        del anim
        gc.collect()  # 这里只检查画面、不编码视频：让“未渲染”的警告在本测试内发出并被忽略


def test_html5_video_has_autoplay_attributes():
    runs = _momentum_and_sgd()
    fig, anim = plot3d.animate_trajectories(OptimizedFunction3D(), runs, frames=10, figsize=(3.2, 2.4))
    try:
        html = plot3d.html5_video(anim)
    finally:
        matplotlib.pyplot.close(fig)
    tag = re.search(r"<video\b[^>]*>", html).group(0)
    for attribute in ("autoplay", "loop", "muted", "playsinline"):
        assert re.search(rf"\b{attribute}\b", tag), attribute
    assert 'type="video/mp4"' in html and "base64," in html
    assert len(html) < 3_000_000
    assert "http" not in html  # 视频内嵌，不引用外部资源


@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")
def test_video_frames_equal_full_redraws_pixel_for_pixel():
    """The encoder draws the surface once and adds the trajectories on top each frame: the same pixels as drawing
    the whole figure for that frame (including the critical-point markers above the trajectories)."""
    runs = _momentum_and_sgd()
    fig, anim = plot3d.animate_trajectories(OptimizedFunction3D(), runs, frames=30, figsize=(3.2, 2.4),
                                            markers={"local min": (0, 0), "saddle": (0.25, -0.5)})
    try:
        fast = [pixels.copy() for pixels in anim.frame_pixels()]
        assert len(fast) == 30
        for i in (0, 7, 29):
            anim.frame_update(i)
            fig.canvas.draw()
            np.testing.assert_array_equal(fast[i], np.asarray(fig.canvas.buffer_rgba()), err_msg=f"frame {i}")
        assert not np.array_equal(fast[0], fast[29])  # the trajectories do move
    finally:
        matplotlib.pyplot.close(fig)


# ---------- compare ----------

def test_book_settings_are_the_books():
    assert compare.BOOK_SETTINGS["3d"] == {
        "SGD": {"init_lr": 0.01},
        "AdaGrad": {"init_lr": 0.5, "epsilon": 1e-7},
        "RMSprop": {"init_lr": 0.1, "beta": 0.9, "epsilon": 1e-7},
        "Momentum": {"init_lr": 0.01, "rho": 0.9},
        "Adam": {"init_lr": 0.1, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-7},
    }
    assert {k: v[1] for k, v in compare.BOOK_SETTINGS["2d"].items()} == {
        "SGD": 20, "AdaGrad": 50, "RMSprop": 50, "Momentum": 50, "Adam": 20}


def test_run_3d_matches_direct_runs_and_shares_x_init():
    x_init = paddle.to_tensor([2.0, 3.0])
    runs = compare.run_3d(x_init=x_init)
    np.testing.assert_array_equal(x_init.numpy(), [2.0, 3.0])  # 从未被修改
    direct = {
        "SGD": lambda m: SimpleBatchGD(0.01, m),
        "AdaGrad": lambda m: Adagrad(0.5, m, 1e-7),
        "RMSprop": lambda m: RMSprop(0.1, m, 0.9, 1e-7),
        "Momentum": lambda m: Momentum(0.01, m, 0.9),
        "Adam": lambda m: Adam(0.1, m, 0.9, 0.99, 1e-7),
    }
    for name, make in direct.items():
        model = OptimizedFunction3D()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            xs, losses = train_f(model, make(model), paddle.to_tensor([2.0, 3.0]), 150)
        trajectory = Trajectory.from_run(model, xs, losses, 150)  # a run's rows are its Trajectory's
        np.testing.assert_array_equal(runs[name].points, trajectory.points)
        assert runs[name].losses == list(trajectory.losses)
        np.testing.assert_array_equal(runs[name].points[:len(losses)], xs.numpy())
        np.testing.assert_array_equal(runs[name].points[0], [2.0, 3.0])
    assert runs["Momentum"].warnings and "-inf" in runs["Momentum"].warnings[0]
    assert all(not runs[n].warnings for n in ("SGD", "AdaGrad", "RMSprop", "Adam"))


def test_run_2d_and_fit_match_direct_runs():
    runs = compare.run_2d(names=("Adam",))
    model = OptimizedFunction(paddle.to_tensor([0.2, 2.0]))
    xs, losses = train_f(model, Adam(0.2, model, 0.9, 0.99, 1e-7), paddle.to_tensor([3.0, 4.0]), 20)
    assert runs["Adam"].losses == list(Trajectory.from_run(model, xs, losses, 20).losses)
    assert runs["Adam"].losses[:20] == losses and len(runs["Adam"].losses) == 21

    data = make_fitting_data()
    fit = compare.run_fit(data, names=("Momentum",), num_epochs=2)
    paddle.seed(0)
    model = nndl.Linear(2)
    iter_loss, epoch_loss = train(data, 2, 64, model, paddle.nn.MSELoss(), Momentum(0.01, model, 0.9))
    assert fit["Momentum"].losses == iter_loss
    assert fit["Momentum"].epoch_losses == epoch_loss


def test_first_index():
    assert first_index([3, 2, 1, 0.5], 1) == 2
    assert first_index([3, 2], 1) is None


def test_apply_colors_recolors_trajectories_but_not_the_optimum():
    from nndl.plot import plot_2d

    model = OptimizedFunction(paddle.to_tensor([0.2, 2.0]))
    paths = [np.array([[3.0, 4.0], [2.0, 1.0]]), np.array([[3.0, 4.0], [1.0, 2.0]])]
    fig = plot_2d(model, paths, labels=["SGD (lr=0.2)", "Adam (lr=0.2)"], arrows=False)
    ax = fig.axes[0]
    star_before = ax.get_lines()[-1].get_color()
    plot3d.apply_colors(ax)
    lines = ax.get_lines()
    assert matplotlib.colors.same_color(lines[0].get_color(), plot3d.COLORS["SGD"])
    assert matplotlib.colors.same_color(lines[1].get_color(), plot3d.COLORS["SGD"])  # 起点方块
    assert matplotlib.colors.same_color(lines[2].get_color(), plot3d.COLORS["Adam"])
    assert matplotlib.colors.same_color(lines[-1].get_color(), star_before)


def test_top_view_clips_and_annotates_the_exit():
    runs = _momentum_and_sgd()
    fig, ax = plot3d.plot_top_view(OptimizedFunction3D(), runs, markers={"saddle": (0.25, -0.5)},
                                   highlight_levels=[1 / 16])
    try:
        assert ax.get_xlim() == (-3.0, 3.0) and ax.get_ylim() == (-3.0, 3.0)
        texts = [t.get_text() for t in ax.texts]
        assert any(t.startswith("Momentum leaves at step") for t in texts)
        for line in ax.get_lines():
            x, y = (np.asarray(v, dtype=float) for v in line.get_data())
            assert np.all(np.abs(x) <= 3 + 1e-9) and np.all(np.abs(y) <= 3 + 1e-9)
    finally:
        matplotlib.pyplot.close(fig)
