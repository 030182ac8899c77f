"""Tools/gpu_measure.py without a GPU: the network it builds equals NumPy's forward pass, the
measurement loop's arithmetic, bad files, the YAML it writes, and a clear error with no CUDA."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("gpu_measure", ROOT / "Tools" / "gpu_measure.py")
gm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gm)


def mlp_npz(tmp_path, widths=(12, 8, 3), seed=0):
    rng = np.random.default_rng(seed)
    arrays = {}
    for i, (n, m) in enumerate(zip(widths, widths[1:])):
        arrays["W%d" % i] = rng.standard_normal((m, n)).astype(np.float32)
        arrays["b%d" % i] = rng.standard_normal(m).astype(np.float32)
    path = tmp_path / "mlp.npz"
    np.savez(path, **arrays)
    return path, arrays


def test_model_equals_numpy_forward(tmp_path):
    torch = pytest.importorskip("torch")
    path, a = mlp_npz(tmp_path)
    layers = gm.load_mlp(path)
    model = gm.build_model(layers, torch.float32, "cpu")
    x = np.random.default_rng(1).random((5, 12), dtype=np.float32)
    h = np.maximum(x @ a["W0"].T + a["b0"], 0)
    want = h @ a["W1"].T + a["b1"]
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    assert np.allclose(got, want, rtol=1e-5, atol=1e-5)


def test_bad_files_are_named(tmp_path):
    np.savez(tmp_path / "none.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="no W0"):
        gm.load_mlp(tmp_path / "none.npz")
    np.savez(tmp_path / "chain.npz", W0=np.zeros((4, 3)), b0=np.zeros(4), W1=np.zeros((2, 5)), b1=np.zeros(2))
    with pytest.raises(ValueError, match="W1 takes 5 inputs but layer 0 gives 4"):
        gm.load_mlp(tmp_path / "chain.npz")


def test_measure_divides_by_calls_and_batch():
    clock = {"e": 0.0}

    def call():
        clock["e"] += 0.5  # 0.5 J per call

    r = gm.measure(call, lambda: None, lambda: clock["e"], batch=4, seconds=0.0, min_calls=20)
    assert r["calls"] == 20
    assert r["joules_per_inference"] == pytest.approx(0.5 / 4, rel=1e-12)
    assert r["latency_s"] > 0 and r["power_w"] > 0


def test_yaml_round_trips():
    m = {"date": "2026-12-01", "gpu": "X", "driver": "1", "cuda": "12", "torch": "2", "network": "n.npz",
         "layers": [[784, 256], [256, 10]], "precision": "bf16", "idle_power_w": 70.5,
         "runs": [{"batch": 1, "mode": "eager", "latency_s": 2e-5, "joules_per_inference": 2e-3, "power_w": 100.0, "calls": 9}]}
    d = yaml.safe_load(gm.to_yaml(m))["measurement"]
    assert d["gpu"] == "X" and d["idle_power_w"] == 70.5
    assert d["runs"][0]["mode"] == "eager" and d["runs"][0]["joules_per_inference"] == pytest.approx(2e-3)


def test_without_cuda_the_script_says_so(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    path, _ = mlp_npz(tmp_path)
    assert gm.main([str(path), "--output", str(tmp_path / "m.yaml"), "--seconds", "0.1"]) == 1
    assert not (tmp_path / "m.yaml").exists()
