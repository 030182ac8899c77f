"""aimc — the analogue in-memory-compute simulator, from Python.

In-memory NumPy arrays through the simulator's C library (``libaimc_c``, via ctypes; the GIL
is released during every call):

- ``Tile(W, hardware=..., seed=...)``: weights ``[outputs × inputs]`` programmed onto
  simulated crossbar tiles; ``.drift(t)``, ``.mvm(X)`` → ``[batch × outputs]``,
  ``.counts()``, ``.energy()``.
- ``mvm(W, X, hardware=..., t_inference=..., seed=...)``: one MVM, bit for bit ``aimc mvm``.
- ``run(config, set={...})`` and ``sweep(config, set={...})``: experiment summaries as dicts
  with a per-repeat table (a pandas DataFrame when pandas is installed).
- ``aimc.testing`` (pytest helpers with error bounds), ``aimc.torch`` (``AnalogLinear``,
  ``convert``), ``aimc.plot`` (figures and HTML reports from results folders).

Units: SI throughout (seconds, siemens, joules); accuracies are fractions in [0, 1].
"""
from ._version import __version__
from ._lib import (AimcError, AimcIOError, ArgumentError, ConfigError, HandleError, NonFiniteError,
                   ShapeError, SimulationError, library_path)
from ._lib import version as library_version
from ._core import COMPENSATIONS, Hardware, Tile, circuits_dirs, mvm, seconds
from .experiments import Result, run, sweep

__all__ = [
    "__version__", "library_version", "library_path", "Hardware", "Tile", "mvm", "run", "sweep", "Result",
    "seconds", "circuits_dirs", "COMPENSATIONS", "AimcError", "ArgumentError", "ShapeError", "NonFiniteError",
    "HandleError", "ConfigError", "SimulationError", "AimcIOError",
]
