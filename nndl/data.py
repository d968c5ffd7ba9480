"""MNIST，离线读取：仓库里 `data/mnist/` 的原始 IDX 文件（从网站提供的 wheel 安装时是包内的 `nndl/mnist/`，
文件相同），先校验 MD5 再使用。环境变量 `NNDL_MNIST_DIR` 可以指向别的目录。

- `load_mnist(mode)`：书中用的 `paddle.vision.datasets.MNIST`（逐样本 `transform`，配合 `DataLoader`）；
- `load_mnist_arrays(mode)`：整个数据集一次读成 NumPy 数组（第 7.2 节的快速实验用）；
- `normalize_images(images)`：把 `[N, 28, 28]` 的灰度图变为 `[N, 1, 28, 28]`、取值 [0, 1] 的 float32（书中 7.2 的 `image / 255`）；
- `mnist_tensors(split, num_samples)`：前若干个样本的张量，每个进程缓存一份（实验运行器的工作进程用）。

另外两个小数据集：`make_moons`（书中第 3 章）与 `moons_split`（7.4.2.3 与 7.6 节的训练/测试划分），以及 7.3 节
线性拟合实验的数据 `make_fitting_data`。
"""

import gzip
import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import paddle
from paddle.vision.datasets import MNIST

from .validate import check_choice, check_int, check_real

# wheel 把仓库的 data/mnist/ 装成包内的 nndl/mnist/（pyproject.toml）；在仓库里（含可编辑安装）用 data/mnist/。
_PACKAGED_DIR = Path(__file__).resolve().parent / "mnist"
DATA_DIR = _PACKAGED_DIR if _PACKAGED_DIR.is_dir() else Path(__file__).resolve().parent.parent / "data" / "mnist"

# 解压后内容的 MD5（与 gzip 压缩参数无关），以及每个文件的样本数。
FILES = {
    "train": (("train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb"),
              ("train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624"), 60000),
    "test": (("t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea"),
             ("t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637"), 10000),
}


class MnistFileError(OSError):
    """MNIST 文件缺失或损坏。"""


def _data_dir(data_dir):
    return Path(data_dir or os.environ.get("NNDL_MNIST_DIR") or DATA_DIR)


def _restore_hint(path, md5):
    if path.parent == _PACKAGED_DIR:
        return f"期望解压后内容的 MD5 为 {md5}。恢复方法：重新安装 nndl 的 wheel（pip install --force-reinstall …）。"
    return (f"期望解压后内容的 MD5 为 {md5}。恢复方法：在仓库根目录运行 `git checkout -- data/mnist/{path.name}`，"
            f"或从 MNIST 原始发布处取回该文件放到 {path.parent}/（见 data/mnist/README.md）。")


@lru_cache(maxsize=8)
def _verified_bytes(path, md5, mtime_ns, size):
    """读出并解压一个 IDX 文件，校验 MD5。按 (路径, 修改时间, 大小) 缓存，文件变了会重新校验。"""
    try:
        with gzip.open(path, "rb") as f:
            content = f.read()
    except (OSError, EOFError) as err:
        raise MnistFileError(f"MNIST 文件 {path} 无法解压（{err}），文件已损坏。" + _restore_hint(path, md5)) from None
    actual = hashlib.md5(content).hexdigest()
    if actual != md5:
        raise MnistFileError(f"MNIST 文件 {path} 的校验和不符（实际 {actual}），文件已损坏。" + _restore_hint(path, md5))
    return content


def _read_idx(path, md5):
    if not path.is_file():
        raise MnistFileError(f"找不到 MNIST 文件 {path}。" + _restore_hint(path, md5))
    stat = path.stat()
    return _verified_bytes(path, md5, stat.st_mtime_ns, stat.st_size)


def mnist_paths(mode, data_dir=None):
    """校验并返回 `(image_path, label_path)`。"""
    check_choice(mode, "mode", FILES)
    directory = _data_dir(data_dir)
    paths = []
    for name, md5 in FILES[mode][:2]:
        path = directory / name
        _read_idx(path, md5)
        paths.append(str(path))
    return tuple(paths)


def load_mnist_arrays(mode, num_samples=None, data_dir=None):
    """返回 `(images, labels)`：`uint8 [N, 28, 28]` 与 `int64 [N]`，取前 `num_samples` 个（默认全部）。"""
    check_choice(mode, "mode", FILES)
    (image_name, image_md5), (label_name, label_md5), total = FILES[mode]
    if num_samples is None:
        num_samples = total
    num_samples = check_int(num_samples, "num_samples", min_val=1, max_val=total)
    directory = _data_dir(data_dir)
    image_bytes = _read_idx(directory / image_name, image_md5)
    label_bytes = _read_idx(directory / label_name, label_md5)
    # IDX 格式：图像文件头 16 字节，标签文件头 8 字节，之后是逐字节的像素/标签。
    images = np.frombuffer(image_bytes, dtype=np.uint8, offset=16).reshape(total, 28, 28)[:num_samples]
    labels = np.frombuffer(label_bytes, dtype=np.uint8, offset=8)[:num_samples].astype(np.int64)
    return images.copy(), labels


def normalize_images(images):
    """`[N, 28, 28]` 的 0–255 灰度图 → `[N, 1, 28, 28]`、取值 [0, 1] 的 float32，即书中 7.2 节的 `image / 255`。

    不要改成 [-1, 1]：那样背景像素为 −1，LeNet 初始损失约为 6，批大小 256、学习率 0.16 的配置在第 10 步变成 NaN。
    """
    images = np.asarray(images, dtype=np.float32)
    return (images / 255).reshape(-1, 1, 28, 28)


def mnist_transform(image):
    """书中流水线的逐样本变换：一张 `[28, 28]` 图像 → `[1, 28, 28]`、取值 [0, 1] 的 float32 数组（`image / 255`）。"""
    return normalize_images(image)[0]


def load_mnist(mode, transform=None, data_dir=None, download=False):
    """返回 `paddle.vision.datasets.MNIST`，读取仓库内已校验的 IDX 文件（`backend='cv2'`，图像为 NumPy 数组）。

    `transform` 作用于每张 `[28, 28]` 的 float32 图像，书中的 LeNet 实验用 `mnist_transform`。
    `download=True` 时改用 Paddle 自带的下载器（需要联网），不读仓库内的文件。
    """
    check_choice(mode, "mode", FILES)
    if download:
        return MNIST(mode=mode, transform=transform, download=True, backend="cv2")
    image_path, label_path = mnist_paths(mode, data_dir)
    # backend='cv2'：默认的 PIL 后端配合 NumPy 变换时，DataLoader 的读取线程会出错退出，主线程一直等待。
    return MNIST(image_path=image_path, label_path=label_path, mode=mode, transform=transform,
                 download=False, backend="cv2")


def make_moons(n_samples=1000, shuffle=True, noise=None):
    """书中第 3 章的两个半月形数据集：外侧半圆 $(\\cos t, \\sin t)$ 标为 0，内侧半圆 $(1 - \\cos t, 0.5 - \\sin t)$
    标为 1，$t$ 在 $[0, \\pi]$ 上等距取值（外侧 `n_samples // 2` 个点，其余在内侧）。

    `shuffle` 为真时用 `paddle.randperm` 打乱样本顺序；`noise` 不为 None 时再给每个坐标加上标准差为 `noise`
    的高斯噪声。两者都消耗 Paddle 的全局随机数（先打乱、后加噪声），所以结果由 `paddle.seed` 决定。
    返回 float32 张量 `X`（形状 `[n_samples, 2]`）与 `y`（形状 `[n_samples]`）。
    """
    n_samples = check_int(n_samples, "n_samples", min_val=2)
    if noise is not None:
        noise = check_real(noise, "noise", min_val=0)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    t_outer = paddle.linspace(0, np.pi, n_outer, dtype="float32")
    t_inner = paddle.linspace(0, np.pi, n_inner, dtype="float32")
    x0 = paddle.concat([paddle.cos(t_outer), 1 - paddle.cos(t_inner)])
    x1 = paddle.concat([paddle.sin(t_outer), 0.5 - paddle.sin(t_inner)])
    X = paddle.stack([x0, x1], axis=1)
    y = paddle.concat([paddle.zeros([n_outer], dtype="float32"), paddle.ones([n_inner], dtype="float32")])
    if shuffle:
        order = paddle.randperm(X.shape[0])
        X, y = paddle.gather(X, order), paddle.gather(y, order)
    if noise is not None:
        X = X + paddle.normal(mean=0.0, std=noise, shape=X.shape)
    return X, y


_TENSOR_CACHE = {}  # split -> (num_samples, images, labels)：每个划分只留一份，控制内存


def mnist_tensors(split, num_samples=None):
    """前 `num_samples` 个样本的 Paddle 张量：图像 `float32 [N, 1, 28, 28]`（取值 [0, 1]）与标签 `int64 [N, 1]`。

    `split` 为 `"train"` 或 `"test"`；`num_samples` 默认全部。离线读取仓库内的 MNIST，每个进程按划分缓存一份
    （实验运行器的工作进程各自读一次，之后每个配置都直接按批切片）。返回的张量不要原地修改。
    """
    check_choice(split, "split", FILES)
    total = FILES[split][2]
    if num_samples is None:
        num_samples = total
    num_samples = check_int(num_samples, "num_samples", min_val=1, max_val=total)
    cached = _TENSOR_CACHE.get(split)
    if cached is None or cached[0] != num_samples:
        images, labels = load_mnist_arrays(split, num_samples)
        cached = (num_samples, paddle.to_tensor(normalize_images(images)), paddle.to_tensor(labels.reshape(-1, 1)))
        _TENSOR_CACHE[split] = cached
    return cached[1], cached[2]


def moons_split(n_samples=300, noise=0.5, num_train=200):
    """7.4.2.3 与 7.6 节的数据：`make_moons(n_samples, shuffle=True, noise)`，前 `num_train` 个训练，其余测试。

    返回 `((X_train, y_train), (X_test, y_test))`，标签为 float32、形状 `[N, 1]`（与 logits 同形，
    `F.binary_cross_entropy_with_logits` 要求如此）。数据由调用前的 `paddle.seed` 决定。
    """
    num_train = check_int(num_train, "num_train", min_val=1, max_val=n_samples - 1)
    X, y = make_moons(n_samples=n_samples, shuffle=True, noise=noise)
    y = y.reshape([-1, 1])
    return (X[:num_train], y[:num_train]), (X[num_train:], y[num_train:])


def make_fitting_data(seed=0, num_samples=1000):
    """7.3.1.2 节线性拟合实验的数据：`X` 取自 `paddle.randn`，$y = 0.5x_1 + 0.8x_2 + 0.01\\cdot noise$，返回 `(X, y)`。"""
    paddle.seed(seed)
    X = paddle.randn([num_samples, 2])
    w = paddle.unsqueeze(paddle.to_tensor([0.5, 0.8]), axis=1)
    noise = paddle.unsqueeze(0.01 * paddle.rand([num_samples]), axis=1)
    y = paddle.matmul(X, w) + noise
    return X, y
