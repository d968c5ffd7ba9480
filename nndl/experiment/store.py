"""检查点：`out_dir` 里每个配置一个文件，每训练完一个单位就原子地重写一次。

文件格式：一行 `NNDL-CHECKPOINT 1`，一行内容的 SHA-256，之后是 pickle 的内容（配置、已完成单位的记录、
状态、用时，以及 `elapsed`：从这个实验开始训练到这个单位完成的墙钟时间，跨中断累加；更早写下的检查点没有它）。写入先写同目录下的临时文件并 fsync，再用 `os.replace` 换上（与 Git 写 index 的做法相同），
所以任何时刻文件要么是旧的完整检查点，要么是新的完整检查点。读出时校验 SHA-256：截断或损坏的文件
不会被当成结果，而是报错并说明两种出路。
"""

import errno
import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path

from ..profile import check_profile, current_profile
from .config import current_build, differences

MAGIC = b"NNDL-CHECKPOINT 1\n"
SUFFIX = ".ckpt"
ROOT = Path(__file__).resolve().parent.parent.parent  # 仓库根目录（从 wheel 安装时是 site-packages 的上一级，不用）


class CheckpointError(RuntimeError):
    """检查点无法使用（设置不同、文件损坏）或无法写入。"""


def runs_dir(name, profile=None):
    """notebook 应当传给 `run(out_dir=...)` 的检查点目录；`profile` 默认读取 `NNDL_PROFILE`。

    quick profile 返回 None（不写检查点，nbval 与 CI 每次都真正执行）；full profile 返回
    `<仓库>/runs/full/<name>`，中断或重启内核后重新运行同一个单元格会接着训练。`runs/` 不进 Git。
    nndl 从 wheel 安装（不在仓库里）时是当前目录（notebook 所在目录）下的 `runs/full/<name>`。
    """
    if not isinstance(name, str) or not re.fullmatch(r"[\w.=+-]+", name) or name in (".", ".."):
        raise ValueError(f"name 必须是非空的目录名（字母、数字、_.=+-），收到 {name!r}")
    if (current_profile() if profile is None else check_profile(profile)) == "quick":
        return None
    root = ROOT if (ROOT / "pyproject.toml").is_file() and (ROOT / "nndl").is_dir() else Path.cwd()
    return root / "runs" / "full" / name


def file_name(config_name):
    """配置名 → 检查点文件名。名字里不适合做文件名的字符换成 _，并加上名字的短哈希以免两个名字撞到一起。"""
    safe = re.sub(r"[^\w.=+-]", "_", config_name)
    if safe != config_name or safe.startswith("."):
        safe = f"{safe.lstrip('.')}-{hashlib.sha1(config_name.encode()).hexdigest()[:8]}"
    return safe + SUFFIX


def _ways_out(path):
    return (f"两种出路：删除文件 {path}（这个配置从头训练），或以 fresh=True（命令行 --fresh）重新开始全部配置")


class CheckpointStore:
    """`out_dir` 里的检查点。"""

    def __init__(self, out_dir):
        if not isinstance(out_dir, (str, os.PathLike)):
            raise TypeError(f"out_dir 必须是目录路径或 None，收到 {type(out_dir).__name__}")
        self.dir = Path(out_dir)
        if self.dir.exists() and not self.dir.is_dir():
            raise ValueError(f"out_dir={str(self.dir)!r} 已存在但不是目录")
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CheckpointError(f"无法创建检查点目录 out_dir={str(self.dir)!r}：{err}") from None

    def path(self, config):
        return self.dir / file_name(config.name)

    def load(self, config):
        """读出 `config` 的检查点；没有时返回 None。设置不同或文件损坏时抛出 CheckpointError。"""
        path = self.path(config)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise CheckpointError(f"无法读取检查点 {path}：{err}。" + _ways_out(path)) from None
        head, digest, payload = blob[:len(MAGIC)], blob[len(MAGIC):len(MAGIC) + 65], blob[len(MAGIC) + 65:]
        if head != MAGIC:
            raise CheckpointError(f"检查点 {path} 不是本运行器写的检查点文件（文件头不对）。" + _ways_out(path))
        if digest[-1:] != b"\n" or hashlib.sha256(payload).hexdigest().encode() != digest[:-1]:
            raise CheckpointError(f"检查点 {path} 已截断或损坏（校验和不符）。" + _ways_out(path))
        try:
            data = pickle.loads(payload)
        except Exception as err:  # noqa: BLE001 - 校验和对得上却读不出：写入它的版本不同
            raise CheckpointError(f"检查点 {path} 无法读出（{type(err).__name__}: {err}）。" + _ways_out(path)) from None
        saved = {**data["config"], "build": current_build(data["config"]["build"])}  # 搬家之前写下的检查点
        diffs = differences(saved, config.to_dict())
        if diffs:
            raise CheckpointError(f"检查点 {path} 是用不同的设置写的：{'；'.join(diffs)}。"
                                  "要接着训练，请用与检查点相同的设置；要按新设置从头训练，"
                                  f"请删除该文件或以 fresh=True（命令行 --fresh）运行")
        if len(data["records"]) > config.units:
            raise CheckpointError(f"检查点 {path} 记录了 {len(data['records'])} 个单位，多于 units={config.units}。"
                                  + _ways_out(path))
        return data

    def save(self, config, records, state, seconds, unit_cost, elapsed=None):
        """原子地写入检查点。失败时（磁盘满、目录只读）旧检查点保持不变，抛出 CheckpointError 说明这一点。"""
        path = self.path(config)
        data = {"config": config.to_dict(), "records": list(records), "state": state, "seconds": seconds,
                "unit_cost": unit_cost, "elapsed": elapsed}
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        blob = MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            tmp = None
        except OSError as err:
            previous = "之前的检查点保持不变" if path.exists() else "此前没有这个配置的检查点"
            hint = "（磁盘已满）" if err.errno == errno.ENOSPC else ""
            raise CheckpointError(f"无法写入检查点 {path}{hint}：{err}。{previous}；已完成的单位数为 "
                                  f"{len(records)}，结果仍在内存中（ExperimentError.results）") from None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def remove_leftovers(self, config):
        """删除 `config` 写到一半的临时文件：写入者在 `save` 的写入与改名之间被 SIGKILL 时会留下它（检查点本身
        仍是上一个完整的版本）。只能由这个目录唯一的写入者（`run` 开始时）调用。"""
        for leftover in self.dir.glob(f".{self.path(config).name}.*.tmp"):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass

    def remove(self, config):
        """删除 `config` 的检查点（fresh=True）。"""
        try:
            self.path(config).unlink()
        except FileNotFoundError:
            pass
