"""Experiments and sweeps through the library: ``aimc.run`` and ``aimc.sweep``."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _lib
from ._core import _yaml
from ._lib import lib


class Result(dict):
    """A summary (the ``summary.json`` of the CLI, as a dict) with its per-repeat table.

    ``table`` is a pandas ``DataFrame`` when pandas is installed, else a list of row dicts:
    one row per evaluation time × compensation × repeat (× sweep point), accuracies as
    fractions in [0, 1], times in seconds.
    """

    table: Any
    rows: List[Dict[str, Any]]

    def __repr__(self) -> str:
        return "Result(%s, %d rows)" % (", ".join("%s=%r" % (k, self[k]) for k in ("experiment",) if k in self), len(self.rows))


def _frame(rows: List[Dict[str, Any]]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)


def _sets(set: Optional[Mapping[str, Any]], sweep: bool = False) -> List[str]:
    out = []
    for k, v in (set or {}).items():
        if sweep and isinstance(v, (list, range)):
            out.append("%s=%s" % (k, ",".join(_yaml(x) for x in v)))
        else:
            out.append("%s=%s" % (k, _yaml(v)))
    return out


def run(config: Union[str, os.PathLike], set: Optional[Mapping[str, Any]] = None, repeats: Optional[int] = None,
        seed: Optional[int] = None, verbose: bool = False) -> Result:
    """Runs an experiment config, as ``aimc run CONFIG --set k=v``.

    Args:
        config: experiment YAML file (e.g. ``Experiments/digits-mlp-pcm.yaml``).
        set: key overrides, ``{"hardware.adc.bits": 8, "evaluation.t_inference": [1, 86400]}``.
        repeats: programmings (overrides ``evaluation.repeats``).
        seed: master seed (overrides ``seed``).
        verbose: print progress lines to standard error.

    Returns:
        ``Result``: the summary dict (``digital``, ``analog`` per time × compensation, ``layers``,
        ``energy``, …) with ``.table``, one row per time × compensation × repeat (columns
        ``t_inference_s``, ``compensation``, ``repeat``, ``seed``, ``accuracy``). The CLI's
        output files are written to the config's ``output_dir`` as well.
    """
    sets = _sets(set)
    if repeats is not None:
        sets.append("evaluation.repeats=%d" % repeats)
    if seed is not None:
        sets.append("seed=%d" % seed)
    arr = _lib.cstrings(sets)
    summary = _lib.take_json(lib.aimc_run, os.fspath(config).encode(), arr, len(sets), int(verbose))
    res = Result(summary)
    rows = []
    for p in summary.get("analog", []):
        for r, acc in enumerate(p["accuracies"]):
            rows.append({"t_inference_s": p["t_inference"], "compensation": p["compensation"], "repeat": r,
                         "seed": summary["repeat_seeds"][r], "accuracy": acc})
    res.rows = rows
    res.table = _frame(rows)
    return res


def sweep(config: Union[str, os.PathLike], set: Optional[Mapping[str, Any]] = None,
          link: Optional[Mapping[str, Sequence[Any]]] = None, repeats: Optional[int] = None,
          seed: Optional[int] = None, verbose: bool = False) -> Result:
    """Runs a sweep, as ``aimc sweep CONFIG --set k=v1,v2 --link …``.

    Args:
        config: experiment YAML file (its ``sweep:`` section adds axes).
        set: grid axes and overrides: a list value is an axis (``{"hardware.adc.bits": [4, 6, 8]}``),
            a scalar or a tuple a plain override (``{"evaluation.t_inference": (1, 86400)}`` is one
            list-valued key); ``"device": ["pcm-joshi2020", "ideal"]`` loads device files.
        link: linked axes that vary together (equal-length lists).
        repeats, seed, verbose: as for ``run``.

    Returns:
        ``Result``: the sweep summary (``axes``, ``points``) with ``.table``, one row per point ×
        time × compensation × repeat, every axis a column (the rows of ``sweep.csv``).
    """
    sets = _sets(set, sweep=True)
    links = _sets(link, sweep=True)
    if repeats is not None:
        sets.append("evaluation.repeats=%d" % repeats)
    if seed is not None:
        sets.append("seed=%d" % seed)
    summary = _lib.take_json(lib.aimc_sweep, os.fspath(config).encode(), _lib.cstrings(sets), len(sets),
                             _lib.cstrings(links), len(links), int(verbose))
    res = Result(summary)
    rows = []
    for p in summary.get("points", []):
        for a in p.get("analog", []):
            for r, acc in enumerate(a["accuracies"]):
                row: Dict[str, Any] = {"point": p["index"]}
                row.update(p.get("axes", {}))
                row.update({"repeat": r, "seed": p["repeat_seeds"][r], "t_inference_s": a["t_inference"],
                            "compensation": a["compensation"], "accuracy": acc,
                            "digital_accuracy": p.get("digital_accuracy"),
                            "analog_joules_per_inference": p.get("analog_joules_per_inference")})
                rows.append(row)
    res.rows = rows
    res.table = _frame(rows)
    return res
