"""nndl.trajectory.Basin 与 polyline_distance：7.3.4 判断轨迹是否进入 (0,0) 盆地所用的工具。"""

import numpy as np
import pytest

import nndl  # noqa: F401
from nndl.trajectory import Basin, distances, polyline_distance
from nndl.op import OptimizedFunction, OptimizedFunction3D


def test_basin_of_the_3d_function():
    basin = Basin(OptimizedFunction3D(), 1 / 16)
    # 盆地在鞍点 (1/4, -1/2) 处与 {f < 1/16} 的另一块相接；鞍点离原点 √5/4 ≈ 0.559，盆地最远处就在它附近
    assert 0.53 < basin.radius < np.sqrt(5) / 4 + 0.01
    inside = basin.contains([[0.0, 0.0], [0.1, -0.1], [0.25, -0.5], [0.0, -1.2], [1.2, -0.13], [np.nan, 0.0], [9, 9]])
    assert inside.tolist() == [True, True, False, False, False, False, False]


def test_basin_of_a_bowl_is_the_disc():
    # f = x1² + x2²（w = [1, 1]）：{f < 1} 是单位圆盘
    basin = Basin(OptimizedFunction([1.0, 1.0]), 1.0)
    assert basin.radius == pytest.approx(1.0, abs=0.01)
    with pytest.raises(ValueError, match="center"):
        Basin(OptimizedFunction([1.0, 1.0]), 1.0, center=(2.0, 2.0))


def test_polyline_distance_counts_the_segments():
    # 两个点离原点都是 √2，连线经过 (0, 1)
    assert polyline_distance([[-1.0, 1.0], [1.0, 1.0]]) == pytest.approx(1.0)
    assert polyline_distance([[3.0, 4.0], [np.inf, 0.0], [0.0, 0.0]]) == pytest.approx(5.0)


def test_basin_contains_reads_the_grid_as_x1_across_and_x2_up():
    """An ellipse f = x1² + 4·x2² < 1 (semi-axes 1 along x1, 1/2 along x2): a point and its mirror image across the
    diagonal are on different sides of it, so reading the grid's rows as x1 instead of x2 cannot pass."""
    basin = Basin(OptimizedFunction([1.0, 4.0]), 1.0)
    points = [[0.8, 0.0], [0.0, 0.8], [0.0, 0.45], [-0.45, 0.0], [0.6, 0.35], [0.35, 0.6]]
    expected = [x1 ** 2 + 4 * x2 ** 2 < 1 for x1, x2 in points]  # every point is >= 0.1 away from the level 1
    assert expected == [True, False, True, True, True, False]
    assert basin.contains(points).tolist() == expected
    assert basin.radius == pytest.approx(1.0, abs=0.01)  # the farthest point lies on the x1 axis


def test_polyline_distance_stays_on_the_segments():
    # The line through (1, 1) and (2, 2) passes through the origin, the segment does not: its nearest point is (1, 1).
    assert polyline_distance([[1.0, 1.0], [2.0, 2.0]]) == pytest.approx(np.sqrt(2))
    assert polyline_distance([[2.0, 2.0], [1.0, 1.0], [1.0, -1.0]]) == pytest.approx(1.0)  # (1, 0) on the second
    assert polyline_distance([[3.0, 5.0], [5.0, 5.0]], center=(4.0, 1.0)) == pytest.approx(4.0)


def test_distances_are_euclidean():
    np.testing.assert_allclose(distances([[3.0, 4.0], [0.0, 0.0], [-1.0, 1.0]]), [5.0, 0.0, np.sqrt(2)])
    np.testing.assert_allclose(distances([[4.0, 5.0]], center=(1.0, 1.0)), [5.0])
