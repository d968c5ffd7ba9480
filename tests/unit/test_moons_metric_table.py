"""make_moons (the book's chapter-3 data), accuracy (chapter 4) and the HTML result table."""

import numpy as np
import paddle
import pytest

from nndl import Accuracy, accuracy, make_moons
from nndl.show import Table, table


def test_make_moons_without_noise_lies_on_the_two_half_circles():
    X, y = make_moons(n_samples=101, shuffle=False, noise=None)
    X, y = X.numpy(), y.numpy()
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.shape == (101,) and y.dtype == np.float32
    outer, inner = X[y == 0], X[y == 1]
    assert len(outer) == 50 and len(inner) == 51  # outer n // 2, inner the rest
    t_outer, t_inner = np.linspace(0, np.pi, 50), np.linspace(0, np.pi, 51)
    np.testing.assert_allclose(outer, np.stack([np.cos(t_outer), np.sin(t_outer)], 1), atol=1e-6)
    np.testing.assert_allclose(inner, np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], 1), atol=1e-6)


def test_make_moons_shuffles_and_adds_noise_from_the_paddle_seed():
    paddle.seed(3)
    X1, y1 = make_moons(300, shuffle=True, noise=0.5)
    paddle.seed(3)
    X2, y2 = make_moons(300, shuffle=True, noise=0.5)
    np.testing.assert_array_equal(X1.numpy(), X2.numpy())
    np.testing.assert_array_equal(y1.numpy(), y2.numpy())
    clean, labels = make_moons(300, shuffle=False)
    assert not np.array_equal(y1.numpy(), labels.numpy())  # shuffled
    assert sorted(y1.numpy().tolist()) == sorted(labels.numpy().tolist())  # same labels, another order
    # The noise is N(0, 0.5^2): recover it by matching each shuffled point to its clean position.
    paddle.seed(3)
    order = paddle.randperm(300).numpy()
    noise = X1.numpy() - clean.numpy()[order]
    assert abs(noise.std() - 0.5) < 0.05 and abs(noise.mean()) < 0.06  # 600 draws: std error ~0.02


@pytest.mark.parametrize("kwargs, word, error", [
    ({"n_samples": 1}, "n_samples", ValueError), ({"n_samples": 2.5}, "n_samples", TypeError),
    ({"noise": -0.1}, "noise", ValueError), ({"noise": "big"}, "noise", TypeError)])
def test_make_moons_bad_input_names_the_argument(kwargs, word, error):
    with pytest.raises(error, match=word):
        make_moons(**kwargs)


def test_accuracy_thresholds_one_column_and_argmaxes_several():
    probs = paddle.to_tensor([[0.2], [0.7], [0.5], [0.1]])
    assert accuracy(probs, paddle.to_tensor([0, 1, 1, 1])).item() == pytest.approx(0.75)
    scores = paddle.to_tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(scores, paddle.to_tensor([[1], [0], [0]])).item() == pytest.approx(2 / 3)
    metric = Accuracy(is_logist=False)
    metric.update(scores, paddle.to_tensor([[1], [0], [0]]))
    assert metric.accumulate() == pytest.approx(accuracy(scores, paddle.to_tensor([1, 0, 0])).item())
    with pytest.raises(ValueError, match="labels"):
        accuracy(scores, paddle.to_tensor([1, 0]))
    with pytest.raises(ValueError, match="preds"):
        accuracy(paddle.to_tensor([0.1, 0.9]), paddle.to_tensor([1, 0]))


def test_table_is_html_with_right_aligned_numbers_and_aligned_text():
    t = table([["SGD", 0.12345, 3], ["Adam", 0.5, 12]], ["optimizer", "loss", "steps"], caption="final",
              formats={"loss": "{:.3f}"})
    html = t._repr_html_()
    assert "<table" in html and "<caption>final</caption>" in html and "overflow-x: auto" in html
    assert '<td style="text-align: right">0.123</td>' in html and '<td style="text-align: left">SGD</td>' in html
    assert repr(t).splitlines() == ["final", "optimizer   loss  steps", "SGD        0.123      3",
                                    "Adam       0.500     12"]
    assert "&lt;b&gt;" in Table([["<b>"]], ["x"])._repr_html_()  # escaped
    with pytest.raises(ValueError, match="rows"):
        table([[1, 2]], ["a"])
    with pytest.raises(ValueError, match="formats"):
        table([[1]], ["a"], formats={"b": "{:.1f}"})
