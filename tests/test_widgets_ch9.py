"""Chapter 9: the training explorer."""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from conftest import explorer_bundle  # noqa: E402
from optimlab import gpu, widgets  # noqa: E402


def test_training_explorer_draws_the_default_and_redraws():
    with mock.patch.object(widgets, "display") as display:
        redraw = widgets.training_explorer(epochs=3)
        explorer_bundle(display)
        default = redraw()
        sgd = redraw(optimizer="SGD", log10_lr=-4.0)
        wide = redraw(width=512)
    train, validation = default.axes[0].lines[:2]
    assert len(train.get_ydata()) == 4 and train.get_ydata()[-1] < train.get_ydata()[0]
    assert default.axes[0].get_title().startswith("Adam, α = 0.01, width 32\nvalidation accuracy")
    # the explorer draws what gpu.train returns for the same settings
    model = gpu.mlp(32, seed=0)
    t, val, _ = gpu.digits(seed=0)
    curves = gpu.train(model, gpu.Adam(model.parameters(), lr=1e-2), t, val, epochs=3, progress=False)
    assert list(validation.get_ydata()) == curves.validation_loss
    # a tiny rate barely moves in three epochs
    sgd_train = sgd.axes[0].lines[0].get_ydata()
    assert abs(sgd_train[-1] - sgd_train[0]) < 0.02 * sgd_train[0]
    assert "width 512" in wide.axes[0].get_title()


def test_training_explorer_reports_divergence():
    stopped = gpu.Curves([2.3, 40.0], [2.3, 50.0], [0.1, 0.1], [0.1, 0.1], [0.0, 0.1], diverged=True)
    with mock.patch.object(widgets, "display"), mock.patch.object(gpu, "train", return_value=stopped):
        fig = widgets.training_explorer(epochs=5)(optimizer="SGD", log10_lr=0.0)
    assert fig.axes[0].get_title() == "SGD, α = 1, width 32\ndiverged in epoch 2"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"optimizer": "Adagrad"}, "optimizer must be one of"),
    ({"lr": 10.0}, "lr must lie in"),
    ({"width": 7}, "width must be one of"),
])
def test_training_explorer_names_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.training_explorer(**kwargs)
