"""7.3.4 的三维可视化：被优化函数的曲面、几个优化器轨迹的动画，以及把动画嵌入网页的 HTML5 视频。

- `surface_grid`、`plot_surface`：在方形区域的网格上用被优化函数自己的 `value`（例如 `OptimizedFunction3D.value`）画曲面；
- `clip_to_box`：把轨迹裁剪到绘图区域内（离开区域的部分不画，在边界上记下离开的位置与步数）；
- `animate_trajectories`：在曲面上逐步画出每个优化器的轨迹（`matplotlib.animation.FuncAnimation`）；
- `html5_video`：用 PyPI 包 imageio-ffmpeg 自带的 ffmpeg 把动画编码为 H.264，返回带
  `autoplay loop muted playsinline` 的 `<video>` HTML（浏览器只在静音时允许自动播放）。
  `animate_trajectories` 的动画编码时只画一次曲面：每帧在这张底图上补画轨迹（与逐帧重画整张图的像素相同，
  快约十倍；matplotlib 的 `to_html5_video` 每帧要把含几千个多边形的曲面重画两遍）。

图中的文字用英文（与书中图一致，也不依赖中文字体）。
"""

import base64
import logging
import re
import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import paddle
from matplotlib import animation
from matplotlib.backends.backend_agg import FigureCanvasAgg

DOMAIN = (-3.0, 3.0)
"""书中曲面的绘图区域：$x_0, x_1 \\in [-3, 3]$。"""

COLORS = {"SGD": "#7f7f7f", "AdaGrad": "#1f77b4", "RMSprop": "#2ca02c", "Momentum": "#d62728", "Adam": "#000000"}
"""五个优化器的颜色（书中的浅粉色在曲面上看不清，这里换成区分度高的颜色）。"""

STYLES = {"SGD": {"linewidth": 3.0}, "AdaGrad": {"linewidth": 7.0, "alpha": 0.45},
          "RMSprop": {"linewidth": 1.8, "linestyle": (0, (3, 1.5))}, "Momentum": {"linewidth": 1.8},
          "Adam": {"linewidth": 1.4, "linestyle": (0, (1, 0.8))}}
"""俯视图与二维图中各优化器轨迹的线型：AdaGrad 与 RMSprop 的轨迹大段重合，AdaGrad 画成宽的半透明带，
RMSprop 的虚线压在带子中间，两条都看得见；Adam 用点线。"""

VIDEO_ATTRIBUTES = ("autoplay", "loop", "muted", "playsinline")


def surface_grid(model, lim=DOMAIN, num=61):
    """在 `[lim[0], lim[1]]²` 的 `num × num` 网格上用 `model.value` 求函数值，返回 `(X0, X1, Z)`。"""
    grid = np.linspace(lim[0], lim[1], num)
    X0, X1 = np.meshgrid(grid, grid)
    Z = model.value(paddle.to_tensor(np.stack([X0, X1]), dtype="float32")).numpy().astype(np.float64)
    return X0, X1, Z


def _value(model, point):
    """被优化函数在一个点上的值（Python 浮点数），不改动 `model.params`。"""
    return model.value(paddle.to_tensor(np.asarray(point, dtype="float32"))).item()


def _liang_barsky(p, q, lo, hi):
    """线段 p→q 落在方形 [lo, hi]² 内的参数区间 (t0, t1)；不相交时返回 None。"""
    t0, t1 = 0.0, 1.0
    d = q - p
    for k in range(2):
        for num, den in ((p[k] - lo, -d[k]), (hi - p[k], d[k])):
            if den == 0:
                if num < 0:
                    return None
                continue
            t = num / den
            if den < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
    return (t0, t1) if t0 <= t1 else None


def clip_to_box(xy, lim=DOMAIN):
    """把折线 `xy`（形状 `[n, 2]`）裁剪到方形 `[lim[0], lim[1]]²` 内。

    返回 `(pieces, exits)`：`pieces` 是若干段都在区域内的折线，每段是 `(points, indices)`，`indices[j]` 是
    `points[j]` 对应的轨迹下标（边界上的插值点取线段终点的下标）；`exits` 是 `(step, point)` 的列表：轨迹
    在第 `step` 个点（即第 `step` 次更新之后）第一次落到区域外，`point` 是它穿过边界的位置。
    非有限的点被视为在区域外。
    """
    xy = np.asarray(xy, dtype=float)
    lo, hi = lim
    finite = np.isfinite(xy).all(axis=1)
    inside = finite & (xy >= lo).all(axis=1) & (xy <= hi).all(axis=1)
    pieces, exits = [], []
    current_pts, current_idx = [], []

    def close():
        if current_pts:
            pieces.append((np.array(current_pts), list(current_idx)))
            current_pts.clear()
            current_idx.clear()

    if len(xy) and inside[0]:
        current_pts.append(xy[0])
        current_idx.append(0)
    for i in range(1, len(xy)):
        p, q = xy[i - 1], xy[i]
        if inside[i - 1] and inside[i]:
            current_pts.append(q)
            current_idx.append(i)
            continue
        span = _liang_barsky(p, q, lo, hi) if finite[i - 1] and finite[i] else None
        if inside[i - 1]:  # 从区域内走到区域外
            t1 = span[1] if span else 0.0
            crossing = p + t1 * (q - p) if finite[i] else p
            current_pts.append(crossing)
            current_idx.append(i)
            close()
            exits.append((i, crossing))
        elif inside[i]:  # 从区域外回到区域内
            t0 = span[0] if span else 1.0
            current_pts.extend([p + t0 * (q - p), q])
            current_idx.extend([i, i])
        elif span is not None and span[0] < span[1]:  # 两端都在外面，但线段穿过区域
            pieces.append((np.array([p + span[0] * (q - p), p + span[1] * (q - p)]), [i, i]))
            exits.append((i, p + span[1] * (q - p)))
    close()
    return pieces, exits


def plot_surface(model, lim=DOMAIN, num=61, ax=None, figsize=(6, 4.5), alpha=1.0, cmap="viridis"):
    """画出 `model` 在 `[lim[0], lim[1]]²` 上的曲面，返回 `(fig, ax)`。"""
    if ax is None:
        fig = plt.figure(figsize=figsize)
        ax = fig.add_subplot(projection="3d")
    else:
        fig = ax.figure
    X0, X1, Z = surface_grid(model, lim, num)
    ax.plot_surface(X0, X1, Z, cmap=cmap, alpha=alpha, linewidth=0, antialiased=False, rstride=2, cstride=2)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_zlabel("$f(x_0, x_1)$")
    return fig, ax


class _Track:
    """一条轨迹在动画中的画法：每帧只画到当前步、只画区域内的部分。"""

    def __init__(self, ax, model, name, xy, z, color, lim):
        self.name = name
        self.xy = np.asarray(xy, dtype=float)
        self.z = np.asarray(z, dtype=float)
        self.n = len(self.xy)
        pieces, self.exits = clip_to_box(self.xy, lim)
        # 每个插值点的函数值：原有的点用记录的损失，边界上的插值点重新求值
        self.pieces = []
        for points, indices in pieces:
            zs = np.array([self.z[k] if np.allclose(pt, self.xy[k]) else _value(model, pt)
                           for pt, k in zip(points, indices)])
            self.pieces.append((points, np.array(indices), zs))
        self.exit_z = [_value(model, pt) for _, pt in self.exits]
        self.line, = ax.plot([], [], [], color=color, lw=1.6, label=name, zorder=10)
        self.head, = ax.plot([], [], [], "o", color=color, ms=4, mec="white", mew=0.6, zorder=11)
        self.exit_marks, = ax.plot([], [], [], "X", color=color, ms=7, mec="white", mew=0.6, zorder=12)

    def draw(self, i):
        """画出前 `i + 1` 个点（第 0 到第 i 次更新后的点）。"""
        xs, ys, zs = [], [], []
        for points, indices, zvals in self.pieces:
            keep = indices <= i
            if not keep.any():
                continue
            if xs:
                xs.append(np.nan), ys.append(np.nan), zs.append(np.nan)
            xs.extend(points[keep, 0]), ys.extend(points[keep, 1]), zs.extend(zvals[keep])
        self.line.set_data_3d(xs, ys, zs)
        last = min(i, self.n - 1)
        visible_head = any(last in indices and np.allclose(points[list(indices).index(last)], self.xy[last])
                           for points, indices, _ in self.pieces)
        if visible_head:
            self.head.set_data_3d([self.xy[last, 0]], [self.xy[last, 1]], [self.z[last]])
        else:
            self.head.set_data_3d([], [], [])
        shown = [(pt, z) for (step, pt), z in zip(self.exits, self.exit_z) if step <= i]
        self.exit_marks.set_data_3d([p[0] for p, _ in shown], [p[1] for p, _ in shown], [z for _, z in shown])
        return self.line, self.head, self.exit_marks


def animate_trajectories(model, trajectories, frames=None, lim=DOMAIN, zlim=None, colors=None, figsize=(4, 3),
                         dpi=100, interval=60, elev=35, azim=-60, notes=None, markers=None):
    """在 `model` 的曲面上动画展示若干条轨迹，返回 `(fig, anim)`（`anim` 是 `FuncAnimation`）。

    `trajectories` 是 `{名字: (xy, z)}`：`xy` 形状 `[n, 2]` 的点（`train_f` 的第一个返回值），`z` 是这些点上的
    函数值。第 `i` 帧画出每条轨迹的前 `i + 1` 个点；轨迹较短（例如发散后提前停止）时停在最后一点。
    离开绘图区域的部分不画，离开处标一个 ×。`notes` 可为某些名字在图例里追加说明；`markers` 是
    `{标签: (x0, x1)}`，在曲面上标出这些点（例如临界点）。
    """
    colors = {**COLORS, **(colors or {})}
    notes = notes or {}
    frames = frames or max(len(xy) for xy, _ in trajectories.values())
    with plt.rc_context({"font.size": 7, "axes.labelpad": -2}):
        fig = plt.figure(figsize=figsize, dpi=dpi)
        ax = fig.add_axes([0.0, 0.02, 0.96, 0.98], projection="3d")
        ax.computed_zorder = False  # 轨迹总画在曲面之上
        plot_surface(model, lim, ax=ax, alpha=0.55)
        if zlim is not None:
            ax.set_zlim(*zlim)
        ax.view_init(elev=elev, azim=azim)
        ax.tick_params(pad=-3)
        for (label, point), style in zip((markers or {}).items(), ("*", "P", "D", "s")):
            ax.plot([point[0]], [point[1]], [_value(model, point)], style, color="#ff7f0e", ms=6, mec="black",
                    mew=0.5, zorder=13, label=label)
        tracks = []
        for name, (xy, z) in trajectories.items():
            label = name + (f" ({notes[name]})" if name in notes else "")
            track = _Track(ax, model, name, xy, z, colors.get(name), lim)
            track.line.set_label(label)
            tracks.append(track)
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.97), fontsize=7.5, frameon=True, framealpha=0.8,
                  handlelength=1.2, borderpad=0.3, labelspacing=0.2)
        counter = fig.text(0.98, 0.96, "", ha="right", va="top", fontsize=6.5, family="monospace")

    def update(i):
        artists = [counter]
        for track in tracks:
            artists.extend(track.draw(i))
        counter.set_text(f"step {i:3d}/{frames - 1}")
        return artists

    overlay = [line for line in ax.get_lines() if line.get_zorder() >= 10] + [counter]
    return fig, _TrajectoryAnimation(fig, update, frames, interval, overlay)


class _TrajectoryAnimation(animation.FuncAnimation):
    """`FuncAnimation`，另有快速的 `to_html5_video`：曲面、坐标轴与图例（`overlay` 之外的一切）每帧都一样，只画一次；
    每帧恢复这张底图，再按 zorder 补画 `overlay`（轨迹、当前点、离开标记、临界点标记与步数）。"""

    def __init__(self, fig, update, frames, interval, overlay):
        super().__init__(fig, update, frames=frames, init_func=lambda: update(0), interval=interval, blit=False,
                         repeat=True)
        self.frame_figure, self.frame_update, self.num_frames = fig, update, frames
        self.frame_interval, self.overlay = interval, overlay

    def frame_pixels(self):
        """逐帧产生 RGBA 像素（`numpy` 数组，形状 `[高, 宽, 4]`；下一帧会覆盖它）。"""
        fig, canvas = self.frame_figure, self.frame_figure.canvas
        if not hasattr(canvas, "copy_from_bbox"):  # 不是 Agg 画布：逐帧整张重画
            canvas = FigureCanvasAgg(fig)
        overlay = sorted(self.overlay, key=lambda artist: artist.get_zorder())
        visible = [artist.get_visible() for artist in overlay]
        for artist in overlay:
            artist.set_visible(False)
        canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)
        for artist, shown in zip(overlay, visible):
            artist.set_visible(shown)
        renderer = canvas.get_renderer()
        for i in range(self.num_frames):
            canvas.restore_region(background)
            self.frame_update(i)
            for artist in overlay:
                artist.draw(renderer)
            yield np.asarray(canvas.buffer_rgba())

    def to_html5_video(self, embed_limit=None):
        limit = (matplotlib.rcParams["animation.embed_limit"] if embed_limit is None else embed_limit) * 1024 ** 2
        width, height = self.frame_figure.canvas.get_width_height(physical=True)
        fps = 1000.0 / self.frame_interval
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "video.mp4"
            command = [ffmpeg_path(), "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgba",
                       "-s", f"{width}x{height}", "-framerate", f"{fps:g}", "-i", "pipe:",
                       "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-vcodec", "h264", "-pix_fmt", "yuv420p", str(path)]
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                for pixels in self.frame_pixels():
                    proc.stdin.write(pixels.tobytes())
            finally:
                proc.stdin.close()
                error = proc.stderr.read().decode(errors="replace")
                proc.wait()
            if proc.returncode != 0:
                raise RuntimeError(f"ffmpeg 编码失败（退出码 {proc.returncode}）：{error.strip()}")
            video = base64.b64encode(path.read_bytes()).decode("ascii")
        if len(video) > limit:
            raise RuntimeError(f"视频有 {len(video) / 1024 ** 2:.1f} MB，超过 embed_limit {limit / 1024 ** 2:.1f} MB")
        return (f'<video width="{width}" height="{height}" controls autoplay loop>\n'
                f'  <source type="video/mp4" src="data:video/mp4;base64,{video}">\n'
                "  Your browser does not support the video tag.\n</video>")


def ffmpeg_path():
    """imageio-ffmpeg 随包附带的 ffmpeg 可执行文件（安装时已就位，运行时不下载）。"""
    return imageio_ffmpeg.get_ffmpeg_exe()


def html5_video(anim, attributes=VIDEO_ATTRIBUTES):
    """把动画编码成 H.264，返回 `<video>` 的 HTML 字符串，并确保它带有 `attributes` 中的每个属性。"""
    logger = logging.getLogger("matplotlib.animation")
    level = logger.level
    logger.setLevel(logging.WARNING)  # Paddle 把根日志器设为 INFO，否则每次编码都打印 ffmpeg 命令行
    try:
        with matplotlib.rc_context({"animation.ffmpeg_path": ffmpeg_path(), "animation.writer": "ffmpeg",
                                    "animation.codec": "h264", "animation.embed_limit": 3.0}):
            html = anim.to_html5_video()
    finally:
        logger.setLevel(level)
    match = re.search(r"<video\b[^>]*>", html)
    if match is None:
        raise RuntimeError("to_html5_video() 没有返回 <video> 元素")
    tag = match.group(0)
    present = set(re.findall(r"\b([a-z]+)\b", tag[len("<video"):]))
    missing = [a for a in attributes if a not in present]
    if missing:
        tag = tag[:-1].rstrip() + " " + " ".join(missing) + ">"
    return html[:match.start()] + tag + html[match.end():]


def plot_top_view(model, trajectories, lim=DOMAIN, levels=None, markers=None, colors=None, notes=None,
                  highlight_levels=(), figsize=(6.4, 5.2)):
    """俯视图：`model` 在 `[lim[0], lim[1]]²` 上的等高线，叠加裁剪到区域内的各条完整轨迹（离开处标 ×）。

    `trajectories` 与 `animate_trajectories` 相同；`levels` 是等高线的取值；`markers` 是 `{标签: (x0, x1)}`；
    `highlight_levels` 中的等高线（例如鞍点的函数值）用虚线画出。线型取自 `STYLES`（重合的轨迹一宽一窄，
    都看得见）。返回 `(fig, ax)`。
    """
    colors = {**COLORS, **(colors or {})}
    notes = notes or {}
    X0, X1, Z = surface_grid(model, lim, 241)
    fig, ax = plt.subplots(figsize=figsize)
    if levels is None:
        levels = [-20, -10, -5, -2, -1, 0, 0.25, 1, 2, 5, 10, 20, 40]
    cs = ax.contourf(X0, X1, Z, levels=levels, cmap="viridis", alpha=0.6, extend="both")
    ax.contour(X0, X1, Z, levels=levels, colors="white", linewidths=0.5)
    fig.colorbar(cs, ax=ax, label="$f(x_0, x_1)$", ticks=levels)
    for (label, point), style in zip((markers or {}).items(), ("*", "P", "D", "s")):
        value = _value(model, point)
        ax.plot(*point, style, color="#ff7f0e", ms=11, mec="black", mew=0.8, zorder=5, label=f"{label}, f={value:g}")
    for value in highlight_levels:
        ax.contour(X0, X1, Z, levels=[value], colors="#ff7f0e", linewidths=1.4, linestyles="--")
    for name, (xy, _) in trajectories.items():
        pieces, exits = clip_to_box(xy, lim)
        color = colors.get(name)
        label = name + (f" ({notes[name]})" if name in notes else "")
        for j, (points, _) in enumerate(pieces):
            ax.plot(points[:, 0], points[:, 1], **{"linewidth": 2.0, **STYLES.get(name, {})}, color=color,
                    label=label if j == 0 else None)
            ax.plot(points[:, 0], points[:, 1], ".", color=color, ms=3)
        for step, crossing in exits:
            ax.plot(*crossing, "X", color=color, ms=10, mec="white", mew=0.8, zorder=6)
            ax.annotate(f"{name} leaves at step {step}", crossing, textcoords="offset points", xytext=(8, 6),
                        color=color, fontsize=8)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.legend(loc="upper left", fontsize=9, framealpha=0.85)
    return fig, ax


def apply_colors(ax, colors=None, styles=None):
    """把 `ax` 中带图例标签的轨迹线（以及紧随其后的一条无标签的线，即 `plot_2d` 的起点标记）改成 `colors` 中的颜色并重画图例。

    `colors` 是 `{名字: 颜色}`，标签以该名字开头的线使用这个颜色（默认 `COLORS`）。用于给 `nndl.plot.plot_2d`
    画出的多条轨迹换上与三维动画一致、在粉色等高线上也看得清的颜色。`styles` 是 `{名字: 线条参数}`
    （如 `STYLES`），同样按标签的开头应用到带标签的线上，让重合的轨迹或曲线也分得清。
    """
    colors = colors or COLORS
    styles = styles or {}
    current = None
    for line in ax.get_lines():
        label = line.get_label()
        if not label.startswith("_"):
            current = next((c for name, c in colors.items() if label.startswith(name)), None)
            style = next((st for name, st in styles.items() if label.startswith(name)), {})
            line.set(**style)
            if current is not None:
                line.set_color(current)
        elif current is not None:
            line.set_color(current)
            current = None  # 之后的无标签线（例如最优点的星号）保持原样
    if ax.get_legend() is not None:
        ax.legend(loc=ax.get_legend()._loc)
    return ax
