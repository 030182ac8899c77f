"""Loading ``libaimc_c`` with ctypes and turning its status codes into exceptions.

The library is looked up, in order, at ``$AIMC_LIBRARY``, in ``aimc/_lib/`` next to this
file (copied there by ``make python``), and in ``.build/release/`` of the source tree that
contains the package (for ``PYTHONPATH=python`` use from a checkout). ctypes releases the
GIL for the duration of every call, so MVMs on different tiles run in parallel threads.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence

_HERE = Path(__file__).resolve().parent
_LIBNAME = "libaimc_c.dylib" if sys.platform == "darwin" else "libaimc_c.so"


class AimcError(Exception):
    """An error reported by the simulator; ``code`` is the C status (``aimc_status``)."""

    code: int = 0

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ArgumentError(AimcError, ValueError):
    """An invalid argument (unknown compensation method, dtype, negative size)."""

    code = 1


class ShapeError(AimcError, ValueError):
    """Shapes that do not agree (the message names both)."""

    code = 2


class NonFiniteError(AimcError, ValueError):
    """NaN or ±Inf in W or X (the message names the position)."""

    code = 3


class HandleError(AimcError, RuntimeError):
    """A tile or hardware object used after ``close()`` (or never created)."""

    code = 4


class ConfigError(AimcError, ValueError):
    """An invalid hardware description or experiment config (file, key, allowed values)."""

    code = 5


class SimulationError(AimcError, RuntimeError):
    """The simulator refused: hardware limits, ADC calibration, energy not modelled."""

    code = 6


class AimcIOError(AimcError, OSError):
    """A file could not be read or written."""

    code = 7


_ERRORS = {c.code: c for c in (ArgumentError, ShapeError, NonFiniteError, HandleError, ConfigError, SimulationError, AimcIOError)}


def _candidates() -> List[Path]:
    out: List[Path] = []
    env = os.environ.get("AIMC_LIBRARY")
    if env:
        out.append(Path(env))
    out.append(_HERE / "_lib" / _LIBNAME)
    for parent in list(_HERE.parents)[:4]:
        out.append(parent / ".build" / "release" / _LIBNAME)
    return out


def _load() -> ctypes.CDLL:
    tried = []
    for p in _candidates():
        if p.is_file():
            return ctypes.CDLL(str(p))
        tried.append(str(p))
    raise ImportError(
        "aimc: cannot find the simulator library %s (tried: %s). Build it with `make python` "
        "in the aimc checkout, or set AIMC_LIBRARY to its path." % (_LIBNAME, ", ".join(tried))
    )


lib = _load()
library_path: str = lib._name

_h = ctypes.c_int64
_p = ctypes.c_void_p
_s = ctypes.c_char_p
_i64 = ctypes.c_int64
_i32 = ctypes.c_int
_sp = ctypes.POINTER(ctypes.c_char_p)
_outs = ctypes.POINTER(ctypes.c_void_p)


def _sig(name: str, args: Sequence[Any], res: Any = ctypes.c_int) -> None:
    f = getattr(lib, name)
    f.argtypes = list(args)
    f.restype = res


_sig("aimc_version", [], ctypes.c_char_p)
_sig("aimc_last_error", [ctypes.c_char_p, ctypes.c_size_t], ctypes.c_size_t)
_sig("aimc_string_free", [_p], None)
_sig("aimc_hardware_load", [_s, _i32, _s, _sp, _i64, ctypes.POINTER(_h)])
_sig("aimc_hardware_describe", [_h, _outs])
_sig("aimc_hardware_free", [_h])
_sig("aimc_tile_create", [_h, _p, _i32, _i64, _i64, ctypes.c_uint64, ctypes.c_double, ctypes.POINTER(_h)])
_sig("aimc_tile_program", [_h, ctypes.c_uint64])
_sig("aimc_tile_drift", [_h, ctypes.c_double])
_sig("aimc_tile_calibrate_adc", [_h, _p, _i32, _i64, _i64])
_sig("aimc_tile_mvm", [_h, _p, _i32, _i64, _i64, _p, _i64, _s])
_sig("aimc_tile_info", [_h, ctypes.POINTER(_i64), ctypes.POINTER(_i64), ctypes.POINTER(_i64), ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_uint64)])
_sig("aimc_tile_counts", [_h, _outs])
_sig("aimc_tile_reset_counts", [_h])
_sig("aimc_tile_energy", [_h, _outs])
_sig("aimc_tile_last_error", [_h, ctypes.c_char_p, ctypes.c_size_t], ctypes.c_size_t)
_sig("aimc_tile_free", [_h])
_sig("aimc_run", [_s, _sp, _i64, _i32, _outs])
_sig("aimc_sweep", [_s, _sp, _i64, _sp, _i64, _i32, _outs])
_sig("aimc_keys", [_i32, _outs])


def last_error() -> str:
    """The calling thread's last error message."""
    n = lib.aimc_last_error(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    lib.aimc_last_error(buf, n + 1)
    return buf.value.decode("utf-8", "replace")


def check(status: int) -> None:
    """Raises the exception of a non-zero status with the library's message."""
    if status != 0:
        raise _ERRORS.get(status, AimcError)(last_error(), status)


def cstrings(items: Sequence[str]) -> Any:
    """A ``const char *const *`` array of UTF-8 strings."""
    arr = (ctypes.c_char_p * max(len(items), 1))()
    for i, s in enumerate(items):
        arr[i] = s.encode("utf-8")
    return arr


def take_string(fn: Any, *args: Any) -> str:
    """Calls ``fn(*args, &out)``; returns the library-allocated string and frees it."""
    out = ctypes.c_void_p()
    check(fn(*args, ctypes.byref(out)))
    try:
        return ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.aimc_string_free(out)


def take_json(fn: Any, *args: Any) -> Any:
    return json.loads(take_string(fn, *args))


version: str = lib.aimc_version().decode()
