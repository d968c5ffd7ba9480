"""7.2 节与动手练习 7.1 的页面函数在书中规模的保存结果上：中间的回合只保留一部分步（nndl.results 的删减规则），
按步号取第一个与最后一个回合的函数必须与完整的记录给出同样的数。"""

import numpy as np
import pytest

from nndl.sections.s7_2_batch_size.report import last_epoch_jitter, mean_step_loss

NUM_SAMPLES, NUM_EPOCHS, BATCH = 100, 4, 16  # 每个回合 7 步


def run(keep=lambda step: True):
    losses = np.random.default_rng(0).random(NUM_EPOCHS * 7)
    return {"batch_size": BATCH, "train_step_losses": [(s, float(v)) for s, v in enumerate(losses) if keep(s)]}


def thinned(step):  # 与保存结果的规则相同：第一个与最后一个回合完整，其余只留步号是 5 的倍数的点
    return step < 7 or step >= (NUM_EPOCHS - 1) * 7 or step % 5 == 0


def test_last_epoch_jitter_reads_the_last_epoch_by_step_number():
    whole = run()
    expected = float(np.std(np.diff([v for _, v in whole["train_step_losses"][-7:]])))
    assert last_epoch_jitter(whole, NUM_SAMPLES, NUM_EPOCHS) == expected
    assert last_epoch_jitter(run(thinned), NUM_SAMPLES, NUM_EPOCHS) == expected


def test_last_epoch_jitter_refuses_an_incomplete_last_epoch():
    with pytest.raises(ValueError, match="最后一个回合"):
        last_epoch_jitter(run(lambda step: step != NUM_EPOCHS * 7 - 3), NUM_SAMPLES, NUM_EPOCHS)


def test_mean_step_loss_counts_from_one_and_needs_every_step():
    whole = run()
    assert mean_step_loss(whole, 2, 4) == float(np.mean([v for _, v in whole["train_step_losses"][1:4]]))
    assert mean_step_loss(run(thinned), 2, 4) == mean_step_loss(whole, 2, 4)
    with pytest.raises(ValueError, match="第 8–12 次迭代"):
        mean_step_loss(run(thinned), 8, 12)
