"""`import nndl` 不把 Paddle 在 OMP_NUM_THREADS > 1 时打印的两行提示留在 stderr 里，其他 stderr 内容原样保留。

这两行只与数据并行有关，却让同一个 notebook 第一个单元格的输出随机器的线程设置而变（nbval 会比较 stderr）。
"""

import os
import subprocess
import sys

import nndl

NOTICE = "WARNING: OMP_NUM_THREADS set to"


def run(code, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)


def test_paddle_prints_the_notice_and_nndl_drops_it():
    direct = run("import paddle", 2)
    assert NOTICE in direct.stderr, "本环境里 Paddle 不再打印这条提示：本测试需要更新"
    via_nndl = run("import nndl", 2)
    assert via_nndl.returncode == 0, via_nndl.stderr
    assert NOTICE not in via_nndl.stderr and "OMP_NUM_THREADS WISELY" not in via_nndl.stderr, via_nndl.stderr


def test_other_stderr_text_is_kept():
    notice = (f"{NOTICE} 4, not 1. The computation speed will not be optimized if you use data parallel. It will "
              "fail if this PaddlePaddle binary is compiled with OpenBlas since OpenBlas does not support "
              "multi-threads.\nPLEASE USE OMP_NUM_THREADS WISELY.\n")
    other = "Traceback (most recent call last):\nRuntimeError: something real\n"
    assert nndl._PADDLE_OMP_NOTICE.sub("", notice + other) == other
    assert nndl._PADDLE_OMP_NOTICE.sub("", other + notice) == other
