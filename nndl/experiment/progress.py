"""进度条：每个配置一条，按单位计（单位内的进度按步更新）。

`progress=None`（自动）：环境变量 `NNDL_PROGRESS=0` 时什么也不显示（Makefile 为 make book/test/notebooks
设置它，网站保存的输出里没有进度条）；`NNDL_PROGRESS=1` 时总显示；否则在终端里（stderr 是终端）和
Jupyter 内核里显示。`NNDL_PROGRESS=0` 优先于 `progress=True`。终端里用 tqdm 的多行进度条；Jupyter 里
用一个原地更新的文本输出（`IPython.display` 的 `display_id`），每个配置一行 tqdm 格式的进度条。
"""

import os
import sys
import time

from tqdm import tqdm

from ..validate import check_bool


def _in_jupyter():
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_mode(progress=None):
    """返回 None（不显示）、"terminal" 或 "jupyter"。"""
    if progress is not None:
        check_bool(progress, "progress")
    env = os.environ.get("NNDL_PROGRESS", "").strip()
    if env == "0" or progress is False:
        return None
    jupyter = _in_jupyter()
    if progress or env == "1" or jupyter or sys.stderr.isatty():
        return "jupyter" if jupyter else "terminal"
    return None


class Bars:
    """每个配置一条进度条。`set(i, units_done)` 更新，`note(i, text)` 在条后注明（失败、已从检查点恢复）。"""

    def __init__(self, configs, mode):
        self.mode = mode
        self.names = [c.name for c in configs]
        self.totals = [c.units for c in configs]
        self.done = [0.0] * len(configs)
        self.notes = [""] * len(configs)
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._bars, self._handle = [], None
        width = max(len(n) for n in self.names)
        self._desc = [n.ljust(width) for n in self.names]
        if mode == "terminal":
            fmt = "{desc} {percentage:3.0f}%|{bar}| {n:.1f}/{total} [{elapsed}<{remaining}]{postfix}"
            self._bars = [tqdm(total=t, desc=d, position=i, leave=True, dynamic_ncols=True, bar_format=fmt,
                               file=sys.stderr) for i, (d, t) in enumerate(zip(self._desc, self.totals))]
        elif mode == "jupyter":
            # 只在 Jupyter 里需要：工作进程（spawn）也导入本模块，不必为此每次多花约 0.1 秒导入 IPython.display
            from IPython.display import display

            self._handle = display({"text/plain": self._text()}, raw=True, display_id=True)

    def _text(self):
        elapsed = time.monotonic() - self.started
        lines = []
        for desc, done, total, note in zip(self._desc, self.done, self.totals, self.notes):
            meter = tqdm.format_meter(done, total, elapsed, ncols=100, prefix=desc,
                                      bar_format="{desc} {percentage:3.0f}%|{bar}| {n:.1f}/{total}")
            lines.append(meter + (f"  {note}" if note else ""))
        return "\n".join(lines)

    def _draw(self, force=False):
        now = time.monotonic()
        if self._handle is not None and (force or now - self._last_draw >= 0.2):
            self._last_draw = now
            self._handle.update({"text/plain": self._text()}, raw=True)

    def set(self, i, units_done):
        whole = units_done == int(units_done)
        self.done[i] = units_done
        if self._bars:
            now = time.monotonic()
            if whole or now - self._last_draw >= 0.1:  # 单位内的进度最多每 0.1 秒重画一次
                self._last_draw = now
                bar = self._bars[i]
                bar.n = units_done
                bar.refresh()
        self._draw(force=whole)

    def note(self, i, text):
        self.notes[i] = text
        if self._bars:
            self._bars[i].set_postfix_str(text)
        self._draw(force=True)

    def close(self):
        self._draw(force=True)
        for bar in self._bars:
            bar.close()
        self._bars = []
