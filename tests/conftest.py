"""Fixtures shared by the optimizer tests."""

import paddle
import pytest


@pytest.fixture(scope="module")
def fitting_data():
    """The chapter's linear-fitting problem: 1000×2 inputs, y = 0.5·x1 + 0.8·x2 + 0.01·noise (seed 2022)."""
    paddle.seed(2022)
    X = paddle.randn([1000, 2])
    y = paddle.matmul(X, paddle.to_tensor([[0.5], [0.8]])) + 0.01 * paddle.randn([1000, 1])
    return X, y
