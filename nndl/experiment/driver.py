"""`run()`：把配置交给调度器、工作进程、检查点与进度条，直到全部训练完、出错或被中断。"""

import signal
import threading
import time

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
    if workers is None:
        return min(default_workers(), num_configs)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers 必须是 None 或不小于 0 的整数（0 表示在本进程中运行），收到 {workers!r}")
    return min(workers, num_configs)


class _Terminated(KeyboardInterrupt):
    pass


def _raise_on_sigterm(signum, frame):
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
    configs = check_configs(configs)
    for config in configs:
        config.builder()  # 在启动任何进程之前就发现导入不了的 build
    workers = _check_workers(workers, len(configs))
    if not isinstance(fresh, bool):
        raise TypeError(f"fresh 必须是 True 或 False，收到 {fresh!r}")
    mode = progress_mode(progress)
    store = CheckpointStore(out_dir) if out_dir is not None else None

    runs = [RunResult(config) for config in configs]
    statuses = [Status(config.units) for config in configs]
    if store is not None:
        for config in configs:
            store.remove_leftovers(config)
            if fresh:
                store.remove(config)
        loaded = [None if fresh else store.load(config) for config in configs]  # 先全部检查，再开始训练
        for run_result, status, data in zip(runs, statuses, loaded):
            if data is not None:
                run_result.records, run_result.state = data["records"], data["state"]
                run_result.seconds = data["seconds"]
                status.done, status.unit_cost = len(data["records"]), data["unit_cost"]

    bars = Bars(configs, mode)
    for i, status in enumerate(statuses):
        if status.done:
            bars.set(i, status.done)
            bars.note(i, "resumed from checkpoint")
    pool = InProcessPool(on_progress=lambda i, f: bars.set(i, statuses[i].done + f)) if workers == 0 \
        else ProcessPool(workers)
    holder = {}  # 配置序号 → 内存里有它最新状态的槽位
    last = {}  # 槽位 → 它刚训练过的配置序号
    write_error = None

    def dispatch(s, i):
        status = statuses[i]
        keep = KEEP_LIVE and holder.get(i) == s
        for j in [j for j, slot in holder.items() if slot == s and j != i]:
            del holder[j]  # 这个槽位要换配置了，内存里的对象不再是 j 的
        status.running = True
        pool.submit(s, {"index": i, "config": configs[i].to_dict(), "unit": status.done,
                        "state": None if keep or status.done == 0 else runs[i].state})

    def fail(s, i, reason):
        statuses[i].running = False
        statuses[i].failed = True
        runs[i].error = f"配置 {configs[i].name!r} 第 {statuses[i].done} 个单位（从 0 计）失败：{reason}"
        holder.pop(i, None)
        bars.note(i, "FAILED")

    started = time.perf_counter()
    on_main_thread = threading.current_thread() is threading.main_thread()
    if on_main_thread:  # 信号处理函数只能在主线程里设置
        previous_sigterm = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        while True:
            if write_error is None:
                for s in pool.idle():
                    i = choose_next(statuses, last.get(s))
                    if i is None:
                        break
                    dispatch(s, i)
            if not pool.busy():
                break
            for s, kind, i, payload in pool.wait():
                if kind == "progress":
                    bars.set(i, statuses[i].done + payload)
                elif kind == "done":
                    status, run_result = statuses[i], runs[i]
                    run_result.records.append(payload["record"])
                    run_result.state = payload["state"]
                    run_result.seconds += payload["seconds"]
                    status.done += 1
                    status.unit_cost = payload["unit_cost"]
                    status.running = False
                    holder[i], last[s] = s, i
                    bars.set(i, status.done)
                    if store is not None and write_error is None:
                        try:
                            store.save(configs[i], run_result.records, run_result.state, run_result.seconds,
                                       status.unit_cost)
                        except CheckpointError as err:
                            write_error = err
                elif kind == "error":
                    fail(s, i, f"\n{payload}")
                    last.pop(s, None)
                else:  # "died"
                    fail(s, i, payload)
                    last.pop(s, None)
                    for j in [j for j, slot in holder.items() if slot == s]:
                        del holder[j]
            if write_error is not None:
                pool.close(kill=True)
                break
    except KeyboardInterrupt as interrupt:
        pool.close(kill=True)
        bars.close()
        results = _results(runs, statuses, started)
        why = "收到 SIGTERM" if isinstance(interrupt, _Terminated) else "收到 Ctrl-C（KeyboardInterrupt）"
        if store is not None:
            how = (f"已完成的单位都已写入检查点目录 {store.dir}；用同样的参数再运行一次（同一个 run() 调用或同一条命令）"
                   "就会接着训练")
        else:
            how = "没有指定 out_dir，结果没有写入检查点；传入 out_dir 可以让中断后的运行接着训练"
        stopped = KeyboardInterrupt(f"{why}，已停止全部工作进程。{how}。")
        stopped.results = results
        stopped.signum = signal.SIGTERM if isinstance(interrupt, _Terminated) else signal.SIGINT
        raise stopped from None
    finally:
        pool.close()  # 正常结束时空闲的工作进程自行退出；还在训练的（出错、中断时）直接结束
        bars.close()
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous_sigterm if previous_sigterm is not None else signal.SIG_DFL)

    results = _results(runs, statuses, started)
    if write_error is not None:
        raise ExperimentError(f"{write_error}。已停止训练；腾出空间或改正目录权限后，用同样的参数再运行一次即可从"
                              "检查点接着训练", results)
    if results.failures:
        finished = [name for name, r in results.items() if r.finished]
        raise ExperimentError(f"{len(results.failures)} 个配置没有训练完：\n" + "\n".join(results.failures.values())
                              + f"\n已训练完的配置：{', '.join(finished) or '无'}（都在本异常的 .results 中，"
                              "失败配置已完成的单位也在其中）", results)
    return results


def _results(runs, statuses, started):
    for run_result, status in zip(runs, statuses):
        run_result.finished = status.done >= status.units
    return Results(runs, time.perf_counter() - started)
