"""工作进程：每个核一个单线程的 spawn 子进程，一次训练一个配置的一个单位，连同新状态一起交回主进程。

一个配置可以在进程之间接力：接手的进程用同样的种子重新构建可训练对象，载入交来的状态，
再在 `unit_seed(seed, u)` 下训练第 u 个单位。若下一个单位仍分给同一个进程，它直接接着用内存里的对象。
`workers=0` 时用 `InProcessPool` 在本进程里按同样的步骤运行。
"""

import json
import multiprocessing
import os
import signal
import time
import traceback
from contextlib import contextmanager
from multiprocessing.connection import wait as wait_ready

import paddle
from paddle.base.unique_name import UniqueNameGenerator
from paddle.utils import unique_name

from .config import Config
from .seeding import saved_rng_state, seed_all, unit_seed
from .trainables import TRAINABLE_METHODS, Trainable

# 工作进程在导入 Paddle 之前就要是单线程的：这些变量在启动子进程时放进它的环境。
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "FLAGS_paddle_num_threads": "1",
}
PROGRESS_INTERVAL = 0.25  # 秒：工作进程最多这么频繁地报告一次单位内的进度


WORKERS_ENV = "NNDL_WORKERS"


def default_workers():
    """`workers=None` 时的工作进程数：环境变量 `NNDL_WORKERS`（不小于 0 的整数，0 表示在调用者的进程里训练），
    没有设置时为本进程可用的 CPU 核数（`os.sched_getaffinity`）。

    测试工具（tools/portability.py、敏感性测试）同时运行好几个 notebook，已经占满全部核，于是设 `NNDL_WORKERS=0`
    （多线程的模拟机器上为 1）：嵌套的工作进程只会多出启动开销。运行器保证进程内与多进程的结果逐位相同。
    """
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        if not value.isdigit():
            raise ValueError(f"环境变量 {WORKERS_ENV} 必须是不小于 0 的整数（0 表示在本进程中运行），收到 {value!r}")
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # 非 Linux
        return os.cpu_count() or 1


@contextmanager
def single_threaded():
    """with 块里 Paddle 的 CPU 计算只用一个线程，与工作进程相同；之后恢复调用者的线程数。

    线程数不同，矩阵乘法等的求和顺序就不同，结果差在最低几位：`OMP_NUM_THREADS=4` 的进程里 `workers=0` 训练出的
    记录与工作进程的不再逐位相同。Paddle 在导入时从 `OMP_NUM_THREADS` 取线程数（没有设置时把它设为 1），Paddle
    没有读取当前线程数的接口，所以结束时按这个变量恢复。
    """
    paddle.base.core.set_num_threads(1)
    try:
        yield
    finally:
        value = os.environ.get("OMP_NUM_THREADS", "").strip()
        paddle.base.core.set_num_threads(int(value) if value.isdigit() and int(value) > 0 else 1)


class Live:
    """在本进程里构建好的一个配置的可训练对象。

    构建前按配置的种子设置全部随机数；构建、载入状态与训练都在这个配置自己的 Paddle 名字空间
    （`unique_name`）里进行，于是参数与优化器累积量的名字在任何进程里都一样。
    """

    def __init__(self, config, state=None, done=0):
        self.config, self.done = config, done
        self._names = UniqueNameGenerator()
        build = config.builder()
        with self._namespace():
            seed_all(config.seed)
            self.trainable = build(**config.params)
        check_trainable(self.trainable, config)
        if state is not None:
            with self._namespace():
                self.trainable.set_state_dict(state)

    @contextmanager
    def _namespace(self):
        """这个配置自己的 Paddle 名字空间（参数与累积量的名字只取决于配置，与进程里先建过什么无关）。"""
        with unique_name.guard(self._names):
            yield

    @property
    def unit_cost(self):
        return float(getattr(self.trainable, "unit_cost", 1.0))

    def train_unit(self, unit, report=None):
        """在 `unit_seed(seed, unit)` 下、只用一个线程（`single_threaded`，在哪个进程里都一样）训练第 `unit` 个单位，
        返回规范化（JSON 往返）后的记录。"""
        if unit != self.done:
            raise RuntimeError(f"内部错误：配置 {self.config.name!r} 已完成 {self.done} 个单位，却要训练第 {unit} 个")
        has_hook = hasattr(self.trainable, "progress_hook")
        if has_hook:
            self.trainable.progress_hook = report
        try:
            with self._namespace(), single_threaded():
                seed_all(unit_seed(self.config.seed, unit))
                record = self.trainable.train_unit(unit)
        finally:
            if has_hook:
                self.trainable.progress_hook = None
        try:
            record = json.loads(json.dumps(record))
        except (TypeError, ValueError) as err:
            raise TypeError(f"配置 {self.config.name!r} 第 {unit} 个单位的 train_unit 返回值不能写成 JSON：{err}"
                            "（把 NumPy/Paddle 数值换成 float/int）") from None
        self.done = unit + 1
        return record

    def state_dict(self):
        with self._namespace():
            return self.trainable.state_dict()


def check_trainable(trainable, config):
    """检查 `build(**params)` 的返回值符合可训练对象的约定 `Trainable`（nndl/experiment/trainables.py）；
    缺少方法时点名 build 与方法，单位数对不上时报错并点名 units。"""
    # isinstance 只看三个方法在不在，不看能否调用；逐个检查可调用，报错时点名缺的是哪一个。
    missing = [m for m in TRAINABLE_METHODS if not callable(getattr(trainable, m, None))]
    if missing or not isinstance(trainable, Trainable):
        what = f"{missing[0]}() 方法" if missing else f"{'、'.join(TRAINABLE_METHODS)} 方法"
        raise TypeError(f"build={config.build!r} 返回的 {type(trainable).__name__} 没有 {what}")
    num_units = getattr(trainable, "num_units", None)
    if num_units is not None and num_units != config.units:
        raise ValueError(f"配置 {config.name!r}：units={config.units}，但 build 返回的对象要训练 {num_units} 个单位"
                         "（例如 num_epochs）；两者必须相同")


def execute(task, live, report=None):
    """执行一个任务（训练一个配置的一个单位）。返回 `(live, (kind, index, payload))`。

    `task["state"]` 不为 None 时总是重新构建并载入它；为 None 时接着用 `live`（必须正是这个配置、这个位置），
    或者从头构建（第 0 个单位）。
    """
    index = task["index"]
    try:
        config = Config.from_dict(task["config"])
        unit = task["unit"]
        reuse = (task["state"] is None and live is not None and live.config == config and live.done == unit)
        if not reuse:
            live = None
            if task["state"] is None and unit != 0:
                raise RuntimeError(f"内部错误：配置 {config.name!r} 第 {unit} 个单位没有状态")
            live = Live(config, task["state"], unit)
        started = time.perf_counter()
        record = live.train_unit(unit, report)
        payload = {"record": record, "state": live.state_dict(), "seconds": time.perf_counter() - started,
                   "unit_cost": live.unit_cost}
        return live, ("done", index, payload)
    except Exception:  # noqa: BLE001 - 任何异常都连同配置一起报告给主进程
        return None, ("error", index, traceback.format_exc())


def worker_main(conn):
    """工作进程的主循环：收任务、训练、发回结果；收到 None 或主进程消失时退出。"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C 由主进程处理：它会结束工作进程
    paddle.base.core.set_num_threads(1)
    live = None
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        last = [time.monotonic()]

        def report(fraction, index=task["index"]):
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                conn.send(("progress", index, fraction))

        live, event = execute(task, live, report)
        try:
            conn.send(event)
        except (BrokenPipeError, OSError):
            return


@contextmanager
def _single_thread_environment():
    """启动子进程期间把单线程设置放进环境变量（spawn 出的子进程继承它们），之后恢复。"""
    saved = {key: os.environ.get(key) for key in SINGLE_THREAD_ENV}
    os.environ.update(SINGLE_THREAD_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def exit_reason(exitcode):
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = "，常见原因是内存不足被系统终止（OOM）" if -exitcode == signal.SIGKILL else ""
        return f"工作进程被信号 {name} 终止{hint}"
    return f"工作进程意外退出（exit code {exitcode}）"


class ProcessPool:
    """`size` 个槽位，每个槽位在第一次分到任务时启动一个工作进程。"""

    def __init__(self, size):
        self.size = size
        self.slots = [None] * size  # 每项：{"process", "conn", "index"}，或 None（没有进程）
        self._ctx = multiprocessing.get_context("spawn")

    def idle(self):
        """空闲的槽位：已有进程的在前（先把工作交给已启动的进程，只在还有剩余工作时才启动新进程）。"""
        free = [s for s, slot in enumerate(self.slots) if slot is None or slot["index"] is None]
        return sorted(free, key=lambda s: self.slots[s] is None)

    def busy(self):
        return any(slot is not None and slot["index"] is not None for slot in self.slots)

    def submit(self, s, task):
        if self.slots[s] is None:
            parent_conn, child_conn = self._ctx.Pipe()
            process = self._ctx.Process(target=worker_main, args=(child_conn,), daemon=True,
                                        name=f"nndl-experiment-worker-{s}")
            with _single_thread_environment():
                process.start()
            child_conn.close()
            self.slots[s] = {"process": process, "conn": parent_conn, "index": None}
        self.slots[s]["conn"].send(task)
        self.slots[s]["index"] = task["index"]

    def wait(self):
        """等到至少一个工作进程有消息，返回 `[(slot, kind, index, payload), ...]`。

        kind 为 "progress"、"done"、"error" 或 "died"（进程没有回答就结束了，payload 是原因）。
        """
        conns = {slot["conn"]: s for s, slot in enumerate(self.slots) if slot is not None and slot["index"] is not None}
        events = []
        for conn in wait_ready(list(conns)):
            s = conns[conn]
            slot = self.slots[s]
            try:
                kind, index, payload = conn.recv()
            except (EOFError, OSError):
                slot["process"].join(timeout=10)
                events.append((s, "died", slot["index"], exit_reason(slot["process"].exitcode)))
                conn.close()
                self.slots[s] = None
                continue
            if kind != "progress":
                slot["index"] = None
            events.append((s, kind, index, payload))
        return events

    def close(self, kill=False):
        """结束全部工作进程：正常结束时让空闲的进程自己退出；`kill=True`（中断、出错）时直接结束。"""
        for s, slot in enumerate(self.slots):
            if slot is None:
                continue
            process, conn = slot["process"], slot["conn"]
            if kill or slot["index"] is not None:
                process.kill()
            else:
                try:
                    conn.send(None)
                except OSError:
                    process.kill()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
            conn.close()
            self.slots[s] = None


class InProcessPool:
    """`workers=0`：在本进程里执行任务（不启动子进程），步骤与工作进程完全相同；运行结束后恢复调用者的随机状态。"""

    size = 1

    def __init__(self, on_progress=None):
        self.task, self.live, self.on_progress = None, None, on_progress
        self._rng = saved_rng_state().__enter__()

    def idle(self):
        return [0] if self.task is None else []

    def busy(self):
        return self.task is not None

    def submit(self, s, task):
        self.task = task

    def wait(self):
        task, self.task = self.task, None
        index = task["index"]
        report = (lambda fraction: self.on_progress(index, fraction)) if self.on_progress else None
        self.live, (kind, index, payload) = execute(task, self.live, report)
        return [(0, kind, index, payload)]

    def close(self, kill=False):
        self.live = None
        if self._rng is not None:
            self._rng.__exit__(None, None, None)
            self._rng = None
