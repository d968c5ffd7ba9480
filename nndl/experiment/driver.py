"""`run()`：把配置交给调度器、工作进程、检查点与进度条，直到全部训练完、出错或被中断。"""

import signal
import threading
import time
from contextlib import contextmanager

from ..validate import check_bool, check_int
from .config import check_configs
from .pool import InProcessPool, ProcessPool, default_workers
from .progress import Bars, progress_mode
from .results import ExperimentError, Results, RunResult
from .scheduler import Status, choose_next
from .store import CheckpointError, CheckpointStore

# 下一个单位仍分给同一个工作进程时，让它接着用内存里的对象（不传状态、不重建）。测试把它设为 False，
# 于是每个单位都在接手的进程里重建并载入状态，检验“状态随工作移动”本身。
KEEP_LIVE = True


def _check_workers(workers, num_configs):
    """`workers`：None（默认工作进程数）或不小于 0 的整数；不超过配置数。"""
    if workers is None:
        return min(default_workers(), num_configs)
    return min(check_int(workers, "workers", min_val=0), num_configs)


class _Terminated(KeyboardInterrupt):
    """SIGTERM 引起的中断（与 Ctrl-C 区分，报错时说明收到的是哪一个）。"""


def _raise_on_sigterm(signum, frame):
    """SIGTERM 的处理函数：像 Ctrl-C 一样中断训练循环。"""
    raise _Terminated("SIGTERM")


def run(configs, out_dir=None, workers=None, progress=None, fresh=False):
    """训练每个配置，返回 `Results`（配置名 → `RunResult`）。

    - `workers`：工作进程数，默认为可用核数，不超过配置数；0 表示在本进程中运行；
    - `out_dir`：检查点目录（None 不写检查点）。每完成一个单位就原子地写一次；同样的调用再运行一次会接着训练；
      检查点的设置与本次不同时报错并指出哪一项不同；
    - `fresh=True`：删除这些配置已有的检查点，从头开始；
    - `progress`：None 自动（见 `nndl.experiment.progress`），True/False 强制。

    有配置失败时其余配置照常训练完，然后抛出 `ExperimentError`，其 `.results` 保留已完成的一切。
    Ctrl-C 或 SIGTERM：结束工作进程，已完成的单位都在检查点里，抛出 KeyboardInterrupt 并说明如何继续。
    """
    configs, workers, mode = _check_arguments(configs, workers, progress, fresh)
    store = CheckpointStore(out_dir) if out_dir is not None else None
    runs, statuses = _resume(configs, store, fresh)
    bars = _open_bars(configs, statuses, mode)
    pool = _open_pool(workers, bars, statuses)
    before = max((r.elapsed for r in runs if r.elapsed is not None), default=0.0)  # 以前的运行（从检查点接着训练时）
    training = _Training(configs, runs, statuses, pool, bars, store, before)
    started = training.started
    with _sigterm_as_interrupt():
        try:
            training.loop()
        except KeyboardInterrupt as interrupt:
            pool.close(kill=True)
            bars.close()
            raise _stopped(interrupt, store, _results(runs, statuses, started)) from None
        finally:
            pool.close()  # 正常结束时空闲的工作进程自行退出；还在训练的（出错、中断时）直接结束
            bars.close()
    results = _results(runs, statuses, started)
    _raise_if_unfinished(results, training.write_error)
    return results


def _check_arguments(configs, workers, progress, fresh):
    """在启动任何进程之前检查参数（包括每个 build 都能导入），返回 `(configs 列表, 工作进程数, 进度条方式)`。"""
    configs = check_configs(configs)
    for config in configs:
        config.builder()  # 在启动任何进程之前就发现导入不了的 build
    workers = _check_workers(workers, len(configs))
    check_bool(fresh, "fresh")
    return configs, workers, progress_mode(progress)


def _resume(configs, store, fresh):
    """每个配置的 `RunResult` 与调度状态：有检查点时从中接着（`fresh=True` 时先删掉检查点），没有时从头开始。

    先删掉上次被杀时写到一半的临时文件；先读出并检查全部检查点，再开始训练（设置不同的检查点在训练前就报错）。
    """
    runs = [RunResult(config) for config in configs]
    statuses = [Status(config.units) for config in configs]
    if store is None:
        return runs, statuses
    for config in configs:
        store.remove_leftovers(config)
        if fresh:
            store.remove(config)
    loaded = [None if fresh else store.load(config) for config in configs]
    for run_result, status, data in zip(runs, statuses, loaded):
        if data is not None:
            run_result.records, run_result.state = data["records"], data["state"]
            run_result.seconds, run_result.elapsed = data["seconds"], data.get("elapsed")
            status.done, status.unit_cost = len(data["records"]), data["unit_cost"]
    return runs, statuses


def _open_bars(configs, statuses, mode):
    """每个配置一条进度条；从检查点接着训练的配置从已完成的单位数开始，并注明这一点。"""
    bars = Bars(configs, mode)
    for i, status in enumerate(statuses):
        if status.done:
            bars.set(i, status.done)
            bars.note(i, "resumed from checkpoint")
    return bars


def _open_pool(workers, bars, statuses):
    """`workers=0`：在本进程里训练（单位内的进度直接画到进度条上）；否则 `workers` 个工作进程。"""
    if workers == 0:
        return InProcessPool(on_progress=lambda i, f: bars.set(i, statuses[i].done + f))
    return ProcessPool(workers)


@contextmanager
def _sigterm_as_interrupt():
    """with 块里的 SIGTERM 像 Ctrl-C 一样抛出 KeyboardInterrupt（`_Terminated`），结束时恢复原来的处理函数。

    信号处理函数只能在主线程里设置；在其他线程里调用 `run()` 时 SIGTERM 照旧。
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


class _Training:
    """训练循环：把单位分派给空闲的槽位，收下完成的单位并写检查点，记下失败，直到没有工作进程在忙。

    `holder`：配置序号 → 内存里有它最新状态的槽位（下一个单位仍分给这个槽位时不必传状态）；
    `last`：槽位 → 它刚训练过的配置序号（调度时优先，省去重建）；
    `before`：以前的运行花掉的墙钟时间（从检查点读出），`started`：这次开始训练的时刻（`time.perf_counter()`）。
    """

    def __init__(self, configs, runs, statuses, pool, bars, store, before=0.0):
        self.configs, self.runs, self.statuses = configs, runs, statuses
        self.pool, self.bars, self.store = pool, bars, store
        self.before, self.started = before, time.perf_counter()
        self.holder = {}
        self.last = {}
        self.write_error = None  # 写不进检查点时的 CheckpointError：不再分派，停止全部工作进程

    def loop(self):
        """分派、等待、处理消息，直到没有工作进程在忙；检查点写不进去时结束全部工作进程并停止。"""
        while True:
            if self.write_error is None:
                self._dispatch_idle()
            if not self.pool.busy():
                return
            for slot, kind, i, payload in self.pool.wait():
                self._handle(slot, kind, i, payload)
            if self.write_error is not None:
                self.pool.close(kill=True)
                return

    def _dispatch_idle(self):
        """给每个空闲的槽位分派调度器选出的下一个单位，直到没有可分派的配置。"""
        for s in self.pool.idle():
            i = choose_next(self.statuses, self.last.get(s))
            if i is None:
                break
            self._dispatch(s, i)

    def _dispatch(self, s, i):
        """把配置 i 的下一个单位交给槽位 s；状态在 s 的内存里时不传状态（工作进程接着用它的对象）。"""
        status = self.statuses[i]
        keep = KEEP_LIVE and self.holder.get(i) == s
        self._forget_slot(s, but=i)  # 这个槽位要换配置了，内存里的对象不再是别的配置的
        status.running = True
        self.pool.submit(s, {"index": i, "config": self.configs[i].to_dict(), "unit": status.done,
                             "state": None if keep or status.done == 0 else self.runs[i].state})

    def _forget_slot(self, s, but=None):
        """槽位 s 的内存里不再有任何配置（`but` 除外）的最新状态。"""
        for j in [j for j, slot in self.holder.items() if slot == s and j != but]:
            del self.holder[j]

    def _handle(self, s, kind, i, payload):
        """处理槽位 s 关于配置 i 的一条消息：单位内的进度、完成的单位、异常，或工作进程意外结束。"""
        if kind == "progress":
            self.bars.set(i, self.statuses[i].done + payload)
        elif kind == "done":
            self._unit_done(s, i, payload)
        elif kind == "error":
            self._fail(i, f"\n{payload}")
            self.last.pop(s, None)
        else:  # "died"
            self._fail(i, payload)
            self.last.pop(s, None)
            self._forget_slot(s)

    def _unit_done(self, s, i, payload):
        """记下完成的单位（记录、状态、用时、实验开始以来的墙钟时间），更新进度条，写检查点。"""
        status, run_result = self.statuses[i], self.runs[i]
        run_result.records.append(payload["record"])
        run_result.state = payload["state"]
        run_result.seconds += payload["seconds"]
        run_result.elapsed = self.before + time.perf_counter() - self.started
        status.done += 1
        status.unit_cost = payload["unit_cost"]
        status.running = False
        self.holder[i], self.last[s] = s, i
        self.bars.set(i, status.done)
        self._save(i)

    def _save(self, i):
        """写配置 i 的检查点；写不进去时记下错误（`loop` 随即停止），此后不再尝试写。"""
        if self.store is None or self.write_error is not None:
            return
        run_result = self.runs[i]
        try:
            self.store.save(self.configs[i], run_result.records, run_result.state, run_result.seconds,
                            self.statuses[i].unit_cost, run_result.elapsed)
        except CheckpointError as err:
            self.write_error = err

    def _fail(self, i, reason):
        """配置 i 失败：不再分派它，记下原因（哪个配置、第几个单位），在进度条上注明。"""
        status = self.statuses[i]
        status.running = False
        status.failed = True
        self.runs[i].error = f"配置 {self.configs[i].name!r} 第 {status.done} 个单位（从 0 计）失败：{reason}"
        self.holder.pop(i, None)
        self.bars.note(i, "FAILED")


def _stopped(interrupt, store, results):
    """Ctrl-C 或 SIGTERM 之后抛出的 KeyboardInterrupt：说明收到了什么、已完成的单位在哪里、如何接着训练；
    带上 `.results` 与 `.signum`。"""
    why = "收到 SIGTERM" if isinstance(interrupt, _Terminated) else "收到 Ctrl-C（KeyboardInterrupt）"
    if store is not None:
        how = (f"已完成的单位都已写入检查点目录 {store.dir}；用同样的参数再运行一次（同一个 run() 调用或同一条命令）"
               "就会接着训练")
    else:
        how = "没有指定 out_dir，结果没有写入检查点；传入 out_dir 可以让中断后的运行接着训练"
    stopped = KeyboardInterrupt(f"{why}，已停止全部工作进程。{how}。")
    stopped.results = results
    stopped.signum = signal.SIGTERM if isinstance(interrupt, _Terminated) else signal.SIGINT
    return stopped


def _raise_if_unfinished(results, write_error):
    """检查点写不进去、或有配置失败时抛出 `ExperimentError`（带着全部结果）；都训练完时什么也不做。"""
    if write_error is not None:
        raise ExperimentError(f"{write_error}。已停止训练；腾出空间或改正目录权限后，用同样的参数再运行一次即可从"
                              "检查点接着训练", results)
    if results.failures:
        finished = [name for name, r in results.items() if r.finished]
        raise ExperimentError(f"{len(results.failures)} 个配置没有训练完：\n" + "\n".join(results.failures.values())
                              + f"\n已训练完的配置：{', '.join(finished) or '无'}（都在本异常的 .results 中，"
                              "失败配置已完成的单位也在其中）", results)


def _results(runs, statuses, started):
    """把训练状态收成 `Results`：每个配置是否训练完，总用时从 `started` 算起。"""
    for run_result, status in zip(runs, statuses):
        run_result.finished = status.done >= status.units
    return Results(runs, time.perf_counter() - started)
