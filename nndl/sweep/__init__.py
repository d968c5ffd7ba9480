from nndl.sections.s7_2_batch_size import *  # noqa: F401,F403  兼容旧路径：7.2 节的配方已移到 nndl.sections.s7_2_batch_size
