"""aimc.torch: a small torch model through aimc equals the CLI on the same weights and seeds."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

import aimc  # noqa: E402
import aimc.torch as at  # noqa: E402
from conftest import run_cli_mvm  # noqa: E402


def small_cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1, stride=2), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 10))


def test_torch_model_equals_the_cli(cli, tmp_path):
    model = small_cnn()
    x = torch.randn(3, 1, 8, 8)
    analog = at.convert(model, hardware="pcm-default", seed=7, t_inference="1d", compensation="global")
    with torch.no_grad():
        y = analog(x)
    preset = cli.parents[2] / "Circuits" / "presets" / "pcm-default.yaml"
    conv, lin = model[0], model[3]
    # the same pipeline by hand, the MVMs from `aimc mvm` (seed 7 for layer 0, 8 for layer 1)
    with torch.no_grad():
        cols = F.unfold(x, 3, padding=1, stride=2)  # [3, 9, 16]
        X0 = cols.transpose(1, 2).reshape(-1, 9).numpy()
        Y0 = run_cli_mvm(cli, tmp_path, conv.weight.reshape(4, -1).numpy(), X0, "--config", preset,
                         "--seed", 7, "--t-inference", "1d", "--compensation", "global")
        h = (torch.from_numpy(Y0) + conv.bias).reshape(3, 16, 4).transpose(1, 2).reshape(3, 4, 4, 4)
        h = torch.relu(h).flatten(1)
        Y1 = run_cli_mvm(cli, tmp_path, lin.weight.numpy(), h.numpy(), "--config", preset,
                         "--seed", 8, "--t-inference", "1d", "--compensation", "global")
        ref = torch.from_numpy(Y1) + lin.bias
    assert torch.equal(y, ref)


def test_ideal_hardware_matches_torch():
    model = small_cnn()
    x = torch.randn(5, 1, 8, 8)
    analog = at.convert(model, hardware="ideal")
    with torch.no_grad():
        assert torch.allclose(analog(x), model(x), rtol=1e-4, atol=1e-5)
    assert sum(1 for _ in at.analog_layers(analog)) == 2
    assert isinstance(model[0], torch.nn.Conv2d)  # the original is untouched


def test_drift_lowers_uncompensated_outputs():
    torch.manual_seed(1)
    lin = torch.nn.Linear(64, 32, bias=False)
    layer = at.AnalogLinear(lin, hardware="pcm-default", seed=3, set={"output_noise": 0})
    x = torch.rand(200, 64)
    with torch.no_grad():
        y0 = layer(x).abs().mean()
        y1 = layer.drift("1y")(x).abs().mean()
        y1c = at.drift(torch.nn.Sequential(layer), "1y", compensation="global")(x).abs().mean()
    assert y1 < 0.9 * y0
    assert abs(y1c / y0 - 1) < 0.1
