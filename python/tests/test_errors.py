"""Errors come back as Python exceptions carrying the library's message, never a crash."""
import numpy as np
import pytest

import aimc


@pytest.fixture
def tile(rng):
    return aimc.Tile(rng.standard_normal((4, 6)), seed=1)


def test_shape_mismatch(tile):
    with pytest.raises(aimc.ShapeError, match=r"X has shape \[2 × 5\] but W has shape \[4 × 6\]"):
        tile.mvm(np.ones((2, 5)))
    with pytest.raises(aimc.ShapeError, match="expected 2-D"):
        aimc.Tile(np.ones(6))
    with pytest.raises(aimc.ShapeError):
        tile.mvm(np.ones((2, 3, 6)))


def test_nan_and_inf(tile):
    X = np.ones((3, 6))
    X[1, 4] = np.nan
    with pytest.raises(aimc.NonFiniteError, match=r"\[1, 4\] is nan"):
        tile.mvm(X)
    W = np.ones((3, 3))
    W[2, 0] = np.inf
    with pytest.raises(aimc.NonFiniteError, match=r"weight \[2, 0\] is inf"):
        aimc.Tile(W)
    # the tile still works after a refused read
    assert tile.mvm(np.ones((1, 6))).shape == (1, 4)


def test_freed_handle(tile):
    tile.close()
    tile.close()  # closing twice is harmless
    with pytest.raises(aimc.HandleError, match="unknown or was freed"):
        tile.mvm(np.ones((1, 6)))
    with pytest.raises(aimc.HandleError):
        tile.drift(10)
    with pytest.raises(aimc.HandleError):
        tile.counts()


def test_bad_config():
    with pytest.raises(aimc.ConfigError, match="adc.bits = 99"):
        aimc.Hardware("pcm-default", adc__bits=99)
    with pytest.raises(aimc.ConfigError, match="no_such_key"):
        aimc.Hardware("pcm-default", set={"adc.no_such_key": 1})
    with pytest.raises(aimc.ConfigError, match="presets:"):
        aimc.Hardware("no-such-preset")
    with pytest.raises(aimc.ConfigError, match="no such hardware file"):
        aimc.Hardware("/nonexistent/hw.yaml")
    with pytest.raises(aimc.ConfigError):
        aimc.Hardware("dac: {bits: -3}\n")
    with pytest.raises(aimc.AimcError):
        aimc.run("/nonexistent/experiment.yaml")


def test_bad_arguments(tile):
    with pytest.raises(aimc.ArgumentError, match="compensation must be one of"):
        tile.mvm(np.ones((1, 6)), compensation="sideways")
    with pytest.raises(aimc.SimulationError, match="t_inference"):
        tile.drift(-1)
    with pytest.raises(aimc.ArgumentError):
        tile.drift("yesterday")
    with pytest.raises(aimc.SimulationError, match="range_policy = fixed"):
        tile.calibrate_adc(np.ones((2, 6)))


def test_yaml_text_hardware(rng):
    W = rng.standard_normal((3, 5))
    X = rng.standard_normal((2, 5))
    hw = aimc.Hardware("include: [presets/ideal.yaml]\noutput_noise: 0\n")
    assert hw.describe()["hardware"]["dac_bits"] == 0
    assert np.allclose(aimc.mvm(W, X, hardware=hw), X @ W.T, rtol=1e-5, atol=1e-5)
