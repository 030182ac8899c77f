"""Hardware descriptions, programmed tiles and the one-call MVM."""
from __future__ import annotations

import ctypes
import json
import os
import re
import threading
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import numpy as np

from . import _lib
from ._lib import ArgumentError, ConfigError, HandleError, lib

_HERE = Path(__file__).resolve().parent

#: Drift-compensation methods (``DriftCompensation`` in the simulator).
COMPENSATIONS = ("none", "global", "global_exact", "column", "column_exact")

_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "y": 31_536_000.0}


def seconds(t: Union[float, int, str]) -> float:
    """A time in seconds from a number (s) or a string with a unit: ``"1d"``, ``"30 min"``,
    ``"1y"`` (s, min, h, d, y = 365 d), as the CLI's ``--t-inference``."""
    if isinstance(t, str):
        m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(s|min|h|d|y)?\s*", t)
        if not m:
            raise ArgumentError("time %r: expected seconds or a number with s, min, h, d or y" % t)
        return float(m.group(1)) * _UNITS[m.group(2) or "s"]
    return float(t)


def circuits_dirs() -> list:
    """Folders searched for preset names: ``$AIMC_CIRCUITS_DIR``, the copy installed with the
    package, then a ``Circuits/`` folder above the package (a source checkout)."""
    out = []
    env = os.environ.get("AIMC_CIRCUITS_DIR")
    if env:
        out.append(Path(env))
    out.append(_HERE / "Circuits")
    for parent in list(_HERE.parents)[:4]:
        out.append(parent / "Circuits")
    return [p for p in out if p.is_dir()]


def _overrides(set: Optional[Mapping[str, Any]], kwargs: Mapping[str, Any]) -> Tuple[str, ...]:
    """``key=value`` strings from a ``set`` mapping (dotted keys) and keyword arguments
    (``adc__bits=8`` is ``adc.bits=8``); values are written as YAML."""
    items = dict(set or {})
    for k, v in kwargs.items():
        items[k.replace("__", ".")] = v
    return tuple("%s=%s" % (k, _yaml(v)) for k, v in items.items())


def _yaml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_yaml(x) for x in v) + "]"
    if isinstance(v, (np.floating, float)):
        return repr(float(v))
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


class Hardware:
    """A hardware description: the keys of ``aimc keys --hardware``.

    ``source`` is a preset name (``"pcm-default"``, ``"ideal"``, ``"hermes-like"``,
    ``"isaac-like"``, ``"aihwkit-inference"``; or a device under ``Circuits/devices``), a
    YAML file path, or YAML text (anything with a newline or a ``:``). ``set`` and keyword
    arguments override keys: ``Hardware("pcm-default", set={"adc.bits": 8})`` or
    ``Hardware("pcm-default", adc__bits=8)``.
    """

    def __init__(self, source: Union[str, os.PathLike, "Hardware"] = "pcm-default",
                 set: Optional[Mapping[str, Any]] = None, **overrides: Any) -> None:
        self._handle = 0
        if isinstance(source, Hardware):
            source, base = source.source, source.overrides
        else:
            base = ()
        self.source = str(source)
        self.overrides: Tuple[str, ...] = base + _overrides(set, overrides)
        text, is_yaml, circuits = _resolve(self.source)
        h = ctypes.c_int64()
        sets = _lib.cstrings(self.overrides)
        _lib.check(lib.aimc_hardware_load(
            text.encode(), int(is_yaml), circuits.encode() if circuits else None, sets, len(self.overrides), ctypes.byref(h)))
        self._handle = h.value

    @property
    def handle(self) -> int:
        return self._handle

    def describe(self) -> Dict[str, Any]:
        """Device, g_max (S), tile size, converter bits and ranges, energy model name."""
        return _lib.take_json(lib.aimc_hardware_describe, self._handle)

    def __repr__(self) -> str:
        extra = "".join(", %s" % o for o in self.overrides)
        return "Hardware(%r%s)" % (self.source, extra)

    def close(self) -> None:
        if self._handle:
            lib.aimc_hardware_free(self._handle)
            self._handle = 0

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _resolve(source: str) -> Tuple[str, bool, Optional[str]]:
    """(text or path, is_yaml, circuits folder) of a hardware source."""
    if "\n" in source or ":" in source:
        dirs = circuits_dirs()
        return source, True, str(dirs[0]) if dirs else None
    p = Path(source)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise ConfigError("%s: no such hardware file" % source)
        return str(p), False, None
    for d in circuits_dirs():
        for sub in ("presets", "devices"):
            f = d / sub / (source + ".yaml")
            if f.is_file():
                return str(f), False, str(d)
    names = sorted({f.stem for d in circuits_dirs() for sub in ("presets", "devices") for f in (d / sub).glob("*.yaml")})
    raise ConfigError("hardware %r is not a file, YAML text or a preset name; presets: %s" % (source, ", ".join(names)))


_cache_lock = threading.Lock()
_cache: Dict[Tuple[str, Tuple[str, ...]], Hardware] = {}


def cached_hardware(source: Union[str, os.PathLike, Hardware] = "pcm-default", set: Optional[Mapping[str, Any]] = None,
             **overrides: Any) -> Hardware:
    """A ``Hardware``, loaded once per (source, overrides) and cached."""
    if isinstance(source, Hardware) and not set and not overrides:
        return source
    key = (str(source.source if isinstance(source, Hardware) else source),
           (source.overrides if isinstance(source, Hardware) else ()) + _overrides(set, overrides))
    with _cache_lock:
        hw = _cache.get(key)
    if hw is None:
        hw = Hardware(source, set=set, **overrides)
        with _cache_lock:
            _cache[key] = hw
    return hw


def _dtype_code(a: np.ndarray) -> int:
    return 1 if a.dtype == np.float64 else 0


def _as_float(a: Any, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float32)
    return np.ascontiguousarray(arr)


class Tile:
    """A weight matrix programmed onto simulated crossbar tiles.

    Three time scales: the weights are *programmed* once with ``seed`` (programming noise),
    *drifted* to ``t_inference`` seconds after programming (``drift``), and *read* by every
    ``mvm`` (read and output noise, DAC and ADC). The same seed gives the same numbers as
    ``aimc mvm --seed S --t-inference T``, bit for bit.

    Args:
        W: weights ``[outputs × inputs]`` (float32 or float64; other dtypes are cast to
            float32). A row of W is one output (one tile column).
        hardware: a preset name, YAML file or text, or a ``Hardware`` (default ``pcm-default``).
        seed: seed of programming, output noise and ADC calibration (0 … 2⁶⁴−1).
        t_inference: time since programming, seconds or a string such as ``"1d"`` (default 0).
        set: hardware key overrides, ``{"adc.bits": 8}``.
        **overrides: the same as keywords, ``.`` written ``__``: ``adc__bits=8``.

    Example::

        tile = aimc.Tile(W, hardware="pcm-default", seed=1).drift("1d")
        Y = tile.mvm(X, compensation="global")     # [batch × outputs]
    """

    def __init__(self, W: Any, hardware: Union[str, os.PathLike, Hardware] = "pcm-default", seed: int = 0,
                 t_inference: Union[float, str] = 0.0, set: Optional[Mapping[str, Any]] = None,
                 **overrides: Any) -> None:
        self._handle = 0
        self.hardware = cached_hardware(hardware, set=set, **overrides)
        w = _as_float(W, "W")
        if w.ndim != 2:
            raise _lib.ShapeError("W has shape %s; expected 2-D [outputs × inputs]" % (w.shape,))
        h = ctypes.c_int64()
        _lib.check(lib.aimc_tile_create(
            self.hardware.handle, w.ctypes.data, _dtype_code(w), w.shape[0], w.shape[1], int(seed) & (2**64 - 1),
            seconds(t_inference), ctypes.byref(h)))
        self._handle = h.value
        self.shape: Tuple[int, int] = (int(w.shape[0]), int(w.shape[1]))

    # -- state ---------------------------------------------------------------------------

    def _check(self, status: int) -> None:
        if status != 0:
            raise _lib._ERRORS.get(status, _lib.AimcError)(_lib.last_error(), status)

    def _info(self) -> Tuple[int, int, int, float, int]:
        o, i, t = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
        ti, s = ctypes.c_double(), ctypes.c_uint64()
        self._check(lib.aimc_tile_info(self._handle, ctypes.byref(o), ctypes.byref(i), ctypes.byref(t),
                                       ctypes.byref(ti), ctypes.byref(s)))
        return o.value, i.value, t.value, ti.value, s.value

    @property
    def outputs(self) -> int:
        """Rows of W."""
        return self.shape[0]

    @property
    def inputs(self) -> int:
        """Columns of W (the width of X)."""
        return self.shape[1]

    @property
    def tiles(self) -> int:
        """Number of physical tiles the matrix occupies."""
        return self._info()[2]

    @property
    def t_inference(self) -> float:
        """Time since programming of the current read-out (s)."""
        return self._info()[3]

    @property
    def seed(self) -> int:
        """Seed of the current programming."""
        return self._info()[4]

    # -- the three time scales -------------------------------------------------------------

    def program(self, seed: Optional[int] = None) -> "Tile":
        """Programs the weights again (fresh programming noise) with ``seed`` (default: the
        current seed), at t = 0; the counts restart. Returns ``self``."""
        s = self.seed if seed is None else int(seed)
        self._check(lib.aimc_tile_program(self._handle, s & (2**64 - 1)))
        return self

    def drift(self, t_inference: Union[float, str]) -> "Tile":
        """Drifts to ``t_inference`` (s, or ``"1h"``, ``"1d"``, ``"1y"``) after programming and
        restarts the output-noise stream, as a fresh ``aimc mvm --t-inference``. Returns ``self``."""
        self._check(lib.aimc_tile_drift(self._handle, seconds(t_inference)))
        return self

    def calibrate_adc(self, X: Any) -> "Tile":
        """Calibrates the ADC ranges on ``X [batch × inputs]`` (hardware with
        ``adc.range_policy`` calibrated or calibrated_per_column), now and after every drift."""
        x = _as_float(X, "X")
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        if x2.ndim != 2:
            raise _lib.ShapeError("calibration batch has shape %s; expected [batch × %d]" % (x.shape, self.inputs))
        self._check(lib.aimc_tile_calibrate_adc(self._handle, x2.ctypes.data, _dtype_code(x2), x2.shape[0], x2.shape[1]))
        return self

    def mvm(self, X: Any, compensation: str = "none", out: Optional[np.ndarray] = None) -> np.ndarray:
        """Y = X · analog(W)ᵀ as the hardware computes it.

        Args:
            X: inputs ``[batch × inputs]`` or one vector ``[inputs]``, float32 or float64
                (in the units of W's inputs; the DAC range applies after input scaling).
            compensation: drift compensation, one of ``none``, ``global``, ``global_exact``,
                ``column``, ``column_exact``.
            out: optional C-contiguous array ``[batch × outputs]`` of X's dtype to write into.

        Returns:
            Y ``[batch × outputs]`` (or ``[outputs]`` for a vector), in X's dtype.

        Raises:
            ShapeError: X's last axis is not ``inputs``. NonFiniteError: NaN or ±Inf in X.
            ArgumentError: unknown compensation. HandleError: the tile was closed.
        """
        x = _as_float(X, "X")
        if x.ndim == 1:
            x2 = x.reshape(1, -1)
        elif x.ndim == 2:
            x2 = x
        else:
            raise _lib.ShapeError("X has shape %s; expected [batch × inputs] or [inputs]" % (x.shape,))
        y_shape = (x2.shape[0], self.shape[0])
        if out is None:
            y = np.empty(y_shape, dtype=x2.dtype)
        else:
            if out.dtype != x2.dtype or out.shape != y_shape or not out.flags.c_contiguous:
                raise _lib.ShapeError("out has shape %s, dtype %s; expected C-contiguous %s, %s" % (
                    out.shape, out.dtype, y_shape, x2.dtype))
            y = out
        self._check(lib.aimc_tile_mvm(self._handle, x2.ctypes.data, _dtype_code(x2), x2.shape[0], x2.shape[1],
                                      y.ctypes.data, y_shape[1], compensation.encode()))
        return y.reshape(self.shape[0]) if x.ndim == 1 and out is None else y

    __call__ = mvm

    # -- what was read -------------------------------------------------------------------

    def counts(self) -> Dict[str, Any]:
        """Operation counts of every MVM since programming (or ``reset_counts``):
        ``input_vectors``, ``tile_reads``, ``dac_conversions``, ``dac_clipped``,
        ``adc_conversions``, ``adc_clipped``, ``adc_zeroed``, … (the simulator's
        ``ConversionStats``)."""
        return _lib.take_json(lib.aimc_tile_counts, self._handle)

    def reset_counts(self) -> "Tile":
        self._check(lib.aimc_tile_reset_counts(self._handle))
        return self

    def energy(self) -> Dict[str, Any]:
        """Energy and latency per input vector of the counted MVMs: ``joules_per_inference``
        (J) with ``joules_optimistic`` and ``joules_pessimistic`` (the band), ``latency_s`` (s),
        ``breakdown`` {adc, dac, array, frontend, static, digital, memory} (J), ``tops_per_watt``,
        ``area`` (m², per tile and chip) and ``calibration`` (one drift-compensation calibration). Needs hardware with an energy model (e.g. ``hermes-like``, or
        ``include: [energy/hermes-14nm.yaml]``); raises ``SimulationError`` otherwise."""
        return _lib.take_json(lib.aimc_tile_energy, self._handle)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the tile; later calls raise ``HandleError``."""
        if self._handle and not getattr(self, "_closed", 0):
            self._closed = self._handle
            self._check(lib.aimc_tile_free(self._handle))

    def __enter__(self) -> "Tile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if self._handle and not getattr(self, "_closed", 0):
                lib.aimc_tile_free(self._handle)
        except Exception:
            pass

    def __repr__(self) -> str:
        return "Tile(%d × %d, %r)" % (self.shape[0], self.shape[1], self.hardware)


def mvm(W: Any, X: Any, hardware: Union[str, os.PathLike, Hardware] = "pcm-default",
        t_inference: Union[float, str] = 0.0, seed: int = 0, compensation: str = "none",
        set: Optional[Mapping[str, Any]] = None, **overrides: Any) -> np.ndarray:
    """One analogue MVM, as ``aimc mvm``: programs ``W [outputs × inputs]`` with ``seed``,
    drifts it to ``t_inference`` (s or ``"1d"``) and returns ``Y [batch × outputs]`` for
    ``X [batch × inputs]`` (or ``[outputs]`` for ``X [inputs]``) in X's dtype. The hardware
    (preset, file or YAML, with ``set``/keyword overrides) is loaded once and cached. Same
    seed, same numbers as the CLI, bit for bit."""
    tile = Tile(W, hardware=hardware, seed=seed, t_inference=t_inference, set=set, **overrides)
    try:
        return tile.mvm(X, compensation=compensation)
    finally:
        tile.close()
