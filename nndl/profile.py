"""`NNDL_PROFILE`：选择重实验的规模。

- `quick`（默认，CI 与网站用）：书中的配置不变，只减少样本数与回合数；
- `full`：与书中完全相同的实验。
"""

import os

PROFILES = ("quick", "full")
DEFAULT = "quick"


def check_profile(name):
    if name not in PROFILES:
        raise ValueError(f"未知的 profile {name!r}，可选 {', '.join(PROFILES)}")
    return name


def current_profile():
    """读取环境变量 `NNDL_PROFILE`（未设置时为 `quick`）。"""
    return check_profile(os.environ.get("NNDL_PROFILE", DEFAULT).strip() or DEFAULT)


def announce(profile=None):
    """打印 nndl 的版本、本次运行使用的 profile 以及如何切换。"""
    from . import __version__

    profile = profile or current_profile()
    other = "full" if profile == "quick" else "quick"
    meaning = "书中配置、缩小的样本数与回合数" if profile == "quick" else "与书中完全相同的实验"
    print(f"nndl {__version__}，NNDL_PROFILE={profile}（{meaning}）。切换：设置环境变量 NNDL_PROFILE={other} 后重启内核重新运行，"
          f"或在仓库根目录运行 make book PROFILE={other}。")
    return profile
