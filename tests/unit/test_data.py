"""The offline MNIST loader: the shipped files, the Paddle dataset over them, and every bad input."""

import gzip
import shutil

import numpy as np
import paddle
import pytest

from nndl.data import DATA_DIR, MnistFileError, load_mnist, load_mnist_arrays, mnist_transform, normalize_images

FIRST_LABELS = {"train": [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], "test": [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]}


@pytest.mark.parametrize("mode, size", [("train", 60000), ("test", 10000)])
def test_paddle_dataset_has_canonical_size_and_labels(mode, size):
    dataset = load_mnist(mode)
    assert len(dataset) == size
    assert [int(dataset[i][1][0]) for i in range(10)] == FIRST_LABELS[mode]
    image, _ = dataset[0]
    assert image.shape == (28, 28) and image.dtype == np.float32


@pytest.mark.parametrize("mode", ["train", "test"])
def test_arrays_match_the_paddle_dataset(mode):
    images, labels = load_mnist_arrays(mode, 100)
    dataset = load_mnist(mode)
    assert images.shape == (100, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.int64
    assert labels[:10].tolist() == FIRST_LABELS[mode]
    np.testing.assert_array_equal(images[57], dataset[57][0])


def test_normalization_and_transform():
    images, _ = load_mnist_arrays("test", 8)
    X = normalize_images(images)
    assert X.shape == (8, 1, 28, 28) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0  # 书中 7.2 的 image / 255
    np.testing.assert_array_equal(mnist_transform(images[3].astype(np.float32)), X[3])


def test_dataloader_with_the_book_transform_yields_batches():
    """The default PIL backend with a NumPy transform kills DataLoader's reader thread; cv2 must not."""
    dataset = paddle.io.Subset(load_mnist("test", transform=mnist_transform), list(range(96)))
    loader = paddle.io.DataLoader(dataset, batch_size=32, shuffle=False)
    shapes = [(list(X.shape), list(y.shape)) for X, y in loader]
    assert shapes == [([32, 1, 28, 28], [32, 1])] * 3


@pytest.mark.parametrize("mode", ["val", "TRAIN", None])
def test_unknown_mode_is_named(mode):
    with pytest.raises(ValueError, match="mode"):
        load_mnist(mode)
    with pytest.raises(ValueError, match="mode"):
        load_mnist_arrays(mode)


@pytest.mark.parametrize("count, error", [(0, ValueError), (60001, ValueError), (2.5, TypeError), (True, TypeError)])
def test_bad_sample_count_is_named(count, error):
    with pytest.raises(error, match="num_samples"):
        load_mnist_arrays("train", count)


@pytest.fixture
def data_copy(tmp_path):
    for path in DATA_DIR.glob("t10k-*.gz"):
        shutil.copy(path, tmp_path)
    return tmp_path


def test_missing_file_names_file_checksum_and_fix(data_copy):
    (data_copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MnistFileError, match="找不到 MNIST 文件") as caught:
        load_mnist("test", data_dir=data_copy)
    message = str(caught.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and "27ae3e4e09519cfbb04c329615203637" in message
    assert "git checkout -- data/mnist/t10k-labels-idx1-ubyte.gz" in message


def test_truncated_file_is_reported_as_corrupted(data_copy):
    path = data_copy / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:50000])
    with pytest.raises(MnistFileError, match=r"t10k-images-idx3-ubyte\.gz.*2646ac647ad5339dbf082846283269ea"):
        load_mnist_arrays("test", data_dir=data_copy)


def test_changed_content_fails_the_checksum(data_copy):
    path = data_copy / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[8] = (content[8] + 1) % 10
    path.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(MnistFileError, match="校验和不符"):
        load_mnist("test", data_dir=data_copy)


def test_repaired_file_is_accepted_again(data_copy):
    path = data_copy / "t10k-labels-idx1-ubyte.gz"
    original = path.read_bytes()
    path.write_bytes(b"not gzip")
    with pytest.raises(MnistFileError, match=r"t10k-labels-idx1-ubyte\.gz 无法解压"):
        load_mnist_arrays("test", data_dir=data_copy)
    path.write_bytes(original)
    assert load_mnist_arrays("test", 10, data_dir=data_copy)[1].tolist() == FIRST_LABELS["test"]
