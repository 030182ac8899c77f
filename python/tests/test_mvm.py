"""aimc.Tile and aimc.mvm: ideal hardware, converter bounds, noise statistics, seeds, bit
identity with the CLI, counts and energy, threads."""
import threading

import numpy as np
import pytest

import aimc
from aimc import testing
from conftest import run_cli_mvm


def test_version():
    assert aimc.__version__ == aimc.library_version


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(10, 30), (700, 600)])  # one tile; several tiles both ways
def test_ideal_hardware_equals_x_wT_within_float32_rounding(rng, dtype, shape):
    W = rng.standard_normal(shape).astype(dtype)
    X = rng.standard_normal((5, shape[1])).astype(dtype)
    Y = aimc.mvm(W, X, hardware="ideal", seed=7)
    assert Y.dtype == dtype and Y.shape == (5, shape[0])
    testing.assert_mvm_close(Y, X, W, hardware="ideal", k=0)
    assert np.abs(Y - X.astype(np.float64) @ W.T.astype(np.float64)).max() <= testing.float32_bound(X, W).max()


def test_single_vector_gives_a_vector(rng):
    W = rng.standard_normal((4, 8))
    x = rng.standard_normal(8).astype(np.float32)
    y = aimc.mvm(W, x, hardware="ideal")
    assert y.shape == (4,)
    testing.assert_mvm_close(y, x, W, hardware="ideal", k=0)


def test_converters_stay_within_half_a_step(rng):
    hw = aimc.Hardware("ideal", set={"dac.bits": 6, "adc.bits": 7, "adc.range": 40, "bound_management.enabled": False})
    W = rng.standard_normal((20, 100)).astype(np.float32)
    X = rng.standard_normal((50, 100)).astype(np.float32)
    tile = aimc.Tile(W, hardware=hw, seed=1)
    Y = tile.mvm(X)
    c = tile.counts()
    assert c["adc_clipped"] == 0
    testing.assert_mvm_close(Y, X, W, hardware=hw, k=0, counts=c)
    # the bound is not vacuous: quantisation errors are visible and within 3× of the bound
    err = np.abs(Y - testing.reference(X, W))
    assert err.max() > 0.05 * testing.converter_bound(X, W, hw).max()


def test_output_noise_statistics(rng):
    """Error of every output is N(0, σ·s_x·s_w): mean within k·σ/√N, std within k·σ/√(2N)."""
    sigma = 0.05
    hw = aimc.Hardware("ideal", output_noise=sigma)
    W = rng.uniform(-1, 1, (64, 32)).astype(np.float32)
    W[0, 0] = 1.0  # s_w = 1
    X = rng.uniform(-1, 1, (400, 32)).astype(np.float32)
    X[:, 0] = 1.0  # s_x = 1 for every vector
    Y = aimc.mvm(W, X, hardware=hw, seed=3)
    err = (Y - testing.reference(X, W)).ravel()
    testing.assert_mean_within(err, sigma, k=4)
    testing.assert_std_within(err, sigma, k=4)
    testing.assert_mvm_close(Y, X, W, hardware=hw, k=5)


def test_programming_noise_is_unbiased_over_seeds(rng):
    """PCM at t = 0 with ideal converters: over N seeds the mean error is within k·σ/√N."""
    hw = aimc.Hardware("pcm-default", set={"dac.bits": 0, "adc.bits": 0, "output_noise": 0})
    W = rng.uniform(-1, 1, (16, 64)).astype(np.float32)
    X = rng.uniform(-1, 1, (8, 64)).astype(np.float32)
    errs = np.stack([aimc.mvm(W, X, hardware=hw, seed=s) - testing.reference(X, W) for s in range(40)])
    sigma = errs.std(ddof=1)
    assert sigma > 0
    testing.assert_mean_within(errs, sigma, k=4)


def test_same_seed_same_numbers_other_seed_other_numbers(rng):
    W = rng.standard_normal((12, 40))
    X = rng.standard_normal((3, 40))
    a = aimc.mvm(W, X, seed=5, t_inference="1d")
    b = aimc.mvm(W, X, seed=5, t_inference=86400)
    c = aimc.mvm(W, X, seed=6, t_inference="1d")
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("compensation", aimc.COMPENSATIONS)
@pytest.mark.parametrize("t", ["0", "1h", "1y"])
def test_bit_identical_with_the_cli(cli, tmp_path, rng, compensation, t):
    W = rng.standard_normal((30, 700)).astype(np.float32)
    X = rng.standard_normal((9, 700)).astype(np.float32)
    preset = str(cli.parents[2] / "Circuits" / "presets" / "pcm-default.yaml")
    ref = run_cli_mvm(cli, tmp_path, W, X, "--config", preset, "--seed", 11, "--t-inference", t,
                      "--compensation", compensation)
    Y = aimc.mvm(W, X, hardware="pcm-default", seed=11, t_inference=t, compensation=compensation)
    assert Y.dtype == ref.dtype and np.array_equal(Y, ref)


def test_bit_identical_with_the_cli_float64_overrides_and_calibration(cli, tmp_path, rng):
    W = rng.standard_normal((20, 50))
    X = rng.standard_normal((6, 50))
    C = rng.standard_normal((30, 50)).astype(np.float32)
    np.save(tmp_path / "C.npy", C)
    preset = str(cli.parents[2] / "Circuits" / "presets" / "hermes-like.yaml")
    ref = run_cli_mvm(cli, tmp_path, W, X, "--config", preset, "--seed", 2, "--t-inference", "1d",
                      "--set", "adc.range_policy=calibrated", "--set", "adc.bits=6",
                      "--calibration", tmp_path / "C.npy")
    tile = aimc.Tile(W, hardware="hermes-like", seed=2, adc__range_policy="calibrated", adc__bits=6)
    tile.calibrate_adc(C).drift("1d")
    Y = tile.mvm(X)
    assert Y.dtype == np.float64 and np.array_equal(Y, ref)


def test_tile_drift_restarts_the_read_stream(rng):
    W = rng.standard_normal((8, 16))
    X = rng.standard_normal((4, 16))
    tile = aimc.Tile(W, seed=9)
    first = tile.drift(3600).mvm(X)
    second = tile.mvm(X)  # the output noise advances between reads
    assert not np.array_equal(first, second)
    assert np.array_equal(tile.drift("1h").mvm(X), first)
    assert np.array_equal(first, aimc.mvm(W, X, seed=9, t_inference="1h"))
    assert tile.t_inference == 3600 and tile.seed == 9
    tile.program(10)
    assert tile.seed == 10 and tile.t_inference == 0
    assert np.array_equal(tile.mvm(X), aimc.mvm(W, X, seed=10))


def test_counts_and_energy(rng):
    W = rng.standard_normal((300, 600)).astype(np.float32)
    X = rng.standard_normal((7, 600)).astype(np.float32)
    tile = aimc.Tile(W, hardware="hermes-like", seed=1)  # 256 × 256 tiles
    assert tile.tiles == 3 * 2
    tile.mvm(X)
    c = tile.counts()
    assert c["input_vectors"] == 7
    assert c["tile_reads"] == 7 * 6
    e = tile.energy()
    assert e["joules_per_inference"] > 0 and e["latency_s"] > 0
    assert abs(sum(e["breakdown"].values()) - e["joules_per_inference"]) < 1e-6 * e["joules_per_inference"]
    tile.reset_counts()
    assert tile.counts()["input_vectors"] == 0
    with pytest.raises(aimc.SimulationError, match="energy model"):
        aimc.Tile(W, hardware="pcm-default").energy()


def test_independent_tiles_in_threads_match_sequential_runs(rng):
    Ws = [rng.standard_normal((64, 256)).astype(np.float32) for _ in range(4)]
    X = rng.standard_normal((128, 256)).astype(np.float32)
    expected = [aimc.mvm(W, X, seed=i, t_inference="1d") for i, W in enumerate(Ws)]
    got = [None] * 4

    def work(i):
        got[i] = aimc.mvm(Ws[i], X, seed=i, t_inference="1d")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))
