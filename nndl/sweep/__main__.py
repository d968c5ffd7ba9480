from nndl.sections.s7_2_batch_size.__main__ import *  # noqa: F401,F403  兼容旧命令 python -m nndl.sweep（见该模块）
