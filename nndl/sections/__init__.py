"""每个 notebook 一份实验配方：这一节的设置、实验配置与结果摘要，由 `nndl` 的核心部分搭成，本身不实现算法。

| notebook | 配方 |
| --- | --- |
| 7-2-batch-size、7-2-exercises | `s7_2_batch_size`（包；也是命令行 `python -m nndl.sweep`） |
| 7-3-1 至 7-3-4 | 无：这几页只用核心部分，设置就是页面上书中的代码 |
| 7-3-5-comparison | `s7_3_5_comparison` |
| 7-3-exercises | `s7_3_exercises` |
| 7-4-initialization | `s7_4_initialization` |
| 7-5-normalization | `s7_5_normalization` |
| 7-6-regularization | `s7_6_regularization` |

notebook 这样导入自己的配方：`from nndl.sections import s7_6_regularization as recipe`。各节重实验的 quick/full
规模不在配方里，而在 `nndl.profile.SIZES`（一张表）。
"""
