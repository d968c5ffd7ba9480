"""重新生成书中规模的保存结果：每个登记的实验按 full profile 经由实验运行器训练（检查点在 `runs/full/<名字>/`，
与 `make book PROFILE=full` 的 notebook 共用，所以两者谁先运行，另一个都只是读出），再写成 `data/results/` 里的文件。

记录与状态都与已保存的相同时不重写文件（日期与机器也不变），所以没有变化时 `git diff` 是空的。
"""

import datetime
import json
import os
import platform
import tempfile
from pathlib import Path

import numpy as np
import paddle

from .. import __version__
from ..experiment import run, runs_dir
from ..experiment.pool import default_workers
from ..sections.experiments import EXPERIMENTS, configs
from .policy import POLICIES, compute_measures, kept_state, reduce_records
from .stored import FORMAT, REPO_DIR, dumps, encode_state, paths

PROFILE = "full"


def machine():
    """这台机器：CPU 型号、可用核数、系统，以及 Python、Paddle、NumPy 的版本。"""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # 非 Linux
        cores = os.cpu_count() or 1
    return {"cpu": cpu, "cores": cores, "system": platform.platform(), "python": platform.python_version(),
            "paddle": paddle.__version__, "numpy": np.__version__}


def document(name, results, workers):
    """实验 `name` 的运行结果 `results`（全部训练完）写成记录文件的内容与状态文件的内容（没有状态时为 None）。"""
    policy = POLICIES[name]
    unfinished = [n for n, r in results.items() if not r.finished]
    if unfinished:
        raise ValueError(f"实验 {name!r} 的配置 {unfinished} 没有训练完，不能保存")
    runs = [{"config": r.config.to_dict(), "finished": r.finished, "seconds": r.seconds,
             "records": reduce_records(r.records, policy)} for r in results.values()]
    states = {n: encode_state(kept_state(r.state, policy)) for n, r in results.items() if policy.keeps_state(n)}
    head = {"format": FORMAT, "experiment": name, "title": EXPERIMENTS[name].title, "profile": PROFILE,
            "nndl_version": __version__, "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
            "machine": machine(), "workers": workers, "wall_time": results.elapsed,
            "reduction": policy.reduction_rule(), "state": policy.state_rule()}
    if policy.measures:
        head["measures"] = compute_measures(results, policy)
    return {**head, "runs": runs}, (states or None)


def _write(path, text):
    """先写同目录的临时文件再换上：写到一半失败时原来的文件不变。"""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates it readable by its owner only; the file is for everyone (and the wheel)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _same_as_saved(records_path, state_path, new, states):
    """已保存的文件与新结果的记录、配置、删减规则、状态和量都相同吗（日期、机器与用时不算）。"""
    if not records_path.is_file():
        return False
    old = json.loads(records_path.read_text(encoding="utf-8"))
    saved_states = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else None
    keys = ("format", "experiment", "title", "profile", "reduction", "state", "measures")
    return (all(old.get(k) == new.get(k) for k in keys) and saved_states == json.loads(json.dumps(states))
            and [{k: r[k] for k in ("config", "finished", "records")} for r in old["runs"]]
            == json.loads(json.dumps([{k: r[k] for k in ("config", "finished", "records")} for r in new["runs"]])))


def write(name, results, workers, data_dir=None):
    """把 `results` 写成实验 `name` 的保存结果；与已保存的相同时什么也不写。返回是否写了文件。"""
    new, states = document(name, results, workers)
    records_path, state_path = paths(name, data_dir or REPO_DIR)
    if _same_as_saved(records_path, state_path, new, states):
        return False
    records_path.parent.mkdir(parents=True, exist_ok=True)
    _write(records_path, dumps(new))
    if states is None:
        state_path.unlink(missing_ok=True)
    else:
        _write(state_path, json.dumps(states, ensure_ascii=False, indent=1) + "\n")
    return True


def regenerate(names=None, workers=None, fresh=False, progress=None, data_dir=None, log=print):
    """按 full profile 训练（或从检查点读出）`names`（默认全部登记的实验）并写出保存结果，返回 名字 → 是否写了文件。"""
    names = list(EXPERIMENTS) if names is None else list(names)
    for name in names:
        if name not in EXPERIMENTS:
            raise ValueError(f"names 里的 {name!r} 不是登记的实验（可用：{', '.join(EXPERIMENTS)}）")
    if data_dir is None and not (REPO_DIR.parent.parent / "pyproject.toml").is_file():
        raise RuntimeError(f"只能在仓库里重新生成保存结果（要写进 {REPO_DIR}）；从 wheel 安装的 nndl 请传入 data_dir")
    written = {}
    for name in names:
        config_list = configs(name, PROFILE)
        used = min(default_workers() if workers is None else workers, len(config_list))
        results = run(config_list, out_dir=runs_dir(name, PROFILE), workers=used, progress=progress, fresh=fresh)
        written[name] = write(name, results, used, data_dir)
        wall = "未记录" if results.elapsed is None else f"{results.elapsed:.0f} s"
        log(f"{name}：{len(config_list)} 个配置，训练墙钟时间 {wall}，"
            f"{'已写出' if written[name] else '与已保存的相同，未改动'} {paths(name, data_dir or REPO_DIR)[0]}")
    return written
