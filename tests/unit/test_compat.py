"""What a reader copies from the book or from older pages keeps working after the layout of issue 16."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_books_chapter7_package_names():
    from nndl import Accuracy, RunnerV3, accuracy, make_moons
    from nndl.metric import Accuracy as metric_accuracy_class
    from nndl.metric import accuracy as metric_accuracy

    assert Accuracy is metric_accuracy_class and accuracy is metric_accuracy
    assert callable(RunnerV3) and callable(make_moons)


def test_the_books_operators_and_optimizers_from_nndl_op():
    import nndl.op

    for name in ("Op", "Optimizer", "SimpleBatchGD", "Adagrad", "RMSprop", "Momentum", "Adam", "OptimizedFunction",
                 "OptimizedFunction3D", "Linear", "BatchNorm", "LayerNorm", "LinearLayer", "ReLU", "Logistic", "Dropout",
                 "MLP_3L", "MLP_3L_dropout", "BinaryCrossEntropyWithLogits", "BatchGD"):
        assert hasattr(nndl.op, name), name


def test_nndl_sweep_is_a_one_line_shim_for_the_72_recipe():
    import nndl.sweep
    from nndl.sections import s7_2_batch_size

    assert nndl.sweep.sweep is s7_2_batch_size.sweep and nndl.sweep.lenet is s7_2_batch_size.lenet
    for name in ("__init__.py", "__main__.py"):
        lines = (ROOT / "nndl" / "sweep" / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 and "兼容" in lines[0], name
    # `python -m nndl.sweep` itself: tests/unit/test_sweep_cli.py runs the command that way.
