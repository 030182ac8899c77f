"""Shared fixtures: the source tree, the CLI and small random matrices."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `aimc` executable built next to the library (`make build`)."""
    exe = Path(os.environ.get("AIMC_EXECUTABLE", ROOT / ".build" / "release" / "aimc"))
    if not exe.is_file():
        pytest.skip("the aimc CLI is not built (%s); run make build" % exe)
    return exe


def run_cli_mvm(cli, tmp_path, W, X, *args):
    """Y of `aimc mvm` for W and X written as .npy (the test's own files)."""
    np.save(tmp_path / "W.npy", W)
    np.save(tmp_path / "X.npy", X)
    out = tmp_path / "Y.npy"
    subprocess.run([str(cli), "mvm", "--weights", str(tmp_path / "W.npy"), "--inputs", str(tmp_path / "X.npy"),
                    "--output", str(out), *map(str, args)], check=True, capture_output=True)
    return np.load(out)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
