"""Figures and HTML reports from aimc's tidy CSVs, with matplotlib.

``python3 -m aimc.plot RESULTS_DIR`` (or ``aimc plot RESULTS_DIR``) redraws every figure of a
run folder (``analog.csv``, ``energy.csv``) and of a sweep folder (``sweep.csv``) as PDF, PNG and
SVG, and writes one self-contained ``report.html``. Restyle by calling the functions here
with your own ``matplotlib`` style (``plt.style.use(...)`` before calling), or pass
``--style``.

Conventions: accuracy in %, times on a true log axis labelled 1 s, 1 min, 1 h, 1 d, 1 y;
energies on log axes with SI prefixes (pJ, nJ, µJ); categorical axes (devices, presets) as
points or bars, never joined by lines; axis labels from the config keys' documentation.
"""
from __future__ import annotations

import argparse
import base64
import csv
import datetime
import html
import io
import json
import math
import os
import platform
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import matplotlib

if os.environ.get("MPLBACKEND") is None:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

# Text stays text in SVG and PDF (editable, searchable): fonts are referenced, not outlined.
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["pdf.fonttype"] = 42

FORMATS = ("pdf", "png", "svg")
_TIME_TICKS = [(1, "1 s"), (60, "1 min"), (3600, "1 h"), (86400, "1 d"), (604800, "1 wk"), (2_592_000, "1 mo"),
               (31_536_000, "1 y"), (315_360_000, "10 y")]
_COMP_LABELS = {"none": "no compensation", "global": "global (read-out)", "global_exact": "global (exact)",
                "column": "per column (read-out)", "column_exact": "per column (exact)"}
_LABELS = {"device": "device", "hardware.adc.bits": "ADC resolution (bits)", "hardware.dac.bits": "DAC resolution (bits)",
           "hardware.tile.rows": "tile rows", "hardware.tile.columns": "tile columns",
           "hardware.output_noise": "output noise σ (normalised units)", "t_inference_s": "time since programming",
           "evaluation.t_inference": "time since programming"}


# -- reading ------------------------------------------------------------------------------

class IncompleteResults(Exception):
    """A results folder whose ``manifest.json`` is missing or does not match its files: the
    run, sweep or merge that wrote it was cut short (aimc writes the manifest last)."""


def _fnv1a64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def check_result_set(directory: Path) -> None:
    """Checks a results folder against its ``manifest.json`` (written last by ``aimc run``,
    ``aimc sweep`` and ``aimc merge``): present, and every file listed there with its size and
    FNV-1a 64 hash. Raises ``IncompleteResults`` naming the folder and what is wrong."""
    directory = Path(directory)
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        raise IncompleteResults(
            "%s: no manifest.json, so the results there may be an incomplete set (the run, sweep or merge that "
            "wrote them was interrupted, or an aimc from before manifests wrote them); run it again, or pass "
            "--allow-incomplete to draw them anyway" % directory)
    try:
        files = json.loads(manifest.read_text())["files"]
        assert isinstance(files, dict)
    except (ValueError, KeyError, TypeError, AssertionError, UnicodeDecodeError):
        raise IncompleteResults("%s: not a manifest of aimc results (no \"files\" mapping)" % manifest)
    for name, entry in sorted(files.items()):
        path = directory / name
        if not path.is_file():
            raise IncompleteResults("%s: %s is listed in manifest.json but missing; run it again" % (directory, name))
        data = path.read_bytes()
        if len(data) != entry.get("bytes") or _fnv1a64(data) != entry.get("fnv1a64"):
            raise IncompleteResults(
                "%s: %s (%d bytes) is not the file manifest.json lists (%s bytes): it was changed or written by "
                "another, interrupted run; run it again, or pass --allow-incomplete to draw it anyway"
                % (directory, name, len(data), entry.get("bytes")))


def read_csv(path: Path) -> List[Dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _num(s: Any) -> Optional[float]:
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def _key_docs() -> Dict[str, str]:
    try:
        from . import _lib
        return {k["key"]: k["doc"] for k in _lib.take_json(_lib.lib.aimc_keys, 0)}
    except Exception:  # the library is optional for plotting
        return {}


def label(key: str, docs: Optional[Dict[str, str]] = None) -> str:
    """A human axis label for a config key: a known label, else the first clause of the key's
    documentation (``aimc keys``), else the key."""
    if key in _LABELS:
        return _LABELS[key]
    doc = (docs if docs is not None else _key_docs()).get(key, "")
    if doc:
        for sep in (";", ": ", ". "):
            doc = doc.split(sep)[0]
        doc = doc.rstrip(".")
        if len(doc) > 48:
            doc = doc.split(",")[0]
        return doc
    return key.split(".")[-1].replace("_", " ")


def _stats(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and 95 % CI half-width (Student's t) of a sample."""
    n = len(values)
    m = sum(values) / n
    if n < 2:
        return m, 0.0
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    return m, _t95(n - 1) * sd / math.sqrt(n)


def _t95(df: int) -> float:
    table = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
             15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000, 120: 1.980}
    for k in sorted(table):
        if df <= k:
            return table[k]
    return 1.96


def time_label(t: float) -> str:
    """``86400`` → ``"1 d"``; other times with the largest fitting unit."""
    for s, name in reversed(_TIME_TICKS):
        if t >= s and abs(t / s - round(t / s)) < 1e-9:
            n = round(t / s)
            return name if n == 1 else "%d %s" % (n, name.split(" ")[1])
    return "%g s" % t


# -- axes helpers -------------------------------------------------------------------------

def _time_axis(ax: Any, times: Iterable[float]) -> None:
    ts = [t for t in times if t > 0]
    ax.set_xscale("log")
    ticks = sorted(set(ts))
    ax.xaxis.set_major_locator(ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(ticker.FixedFormatter([time_label(t) for t in ticks]))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.set_xlabel("time since programming")


_PREFIXES = [(1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "G")]


def si(value: float, unit: str, digits: int = 3) -> str:
    """``5.79e-9, "J"`` → ``"5.79 nJ"``: ``digits`` significant figures and an SI prefix."""
    if value == 0 or not math.isfinite(value):
        return "%g %s" % (value, unit)
    scale, prefix = _PREFIXES[0]
    for sc, pf in _PREFIXES:
        if abs(value) >= sc * 0.9995:
            scale, prefix = sc, pf
    v = value / scale
    text = ("%%.%dg" % digits) % v
    if "e" in text:  # 100 with 2 digits: no exponent in an SI label
        text = "%.0f" % v
    return "%s %s%s" % (text, prefix, unit)


def _si_log_axis(ax: Any, axis: str, unit: str, values: Sequence[float] = ()) -> None:
    """A true log axis with SI labels; when the data span less than a decade the 2× and 5×
    ticks are labelled too."""
    getattr(ax, "set_%sscale" % axis)("log")
    a = ax.xaxis if axis == "x" else ax.yaxis
    fmt = ticker.FuncFormatter(lambda v, _: si(v, unit, 2))
    a.set_major_formatter(fmt)
    vals = [v for v in values if v > 0]
    if vals and max(vals) / min(vals) < 10:
        a.set_minor_locator(ticker.LogLocator(subs=(2.0, 5.0)))
        a.set_minor_formatter(fmt)
    else:
        a.set_minor_formatter(ticker.NullFormatter())


def _accuracy_axis(ax: Any, lo: float, hi: float) -> None:
    pad = max(0.5, 0.08 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), min(100.0, hi + pad))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: "%g %%" % v))
    ax.set_ylabel("test accuracy")


def _legend(ax: Any, **kw: Any) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize="small", handlelength=1.5, borderaxespad=0.3, **kw)


def _save(fig: Any, out: Path, name: str, formats: Sequence[str]) -> List[Path]:
    paths = []
    for fmt in formats:
        p = out / ("%s.%s" % (name, fmt))
        fig.savefig(p, dpi=200 if fmt == "png" else None, bbox_inches="tight",
                    metadata={"Creator": "aimc.plot"} if fmt in ("pdf", "svg", "png") else None)
        paths.append(p)
    plt.close(fig)
    return paths


def _figure(width: float = 5.0, height: float = 3.4) -> Tuple[Any, Any]:
    fig, ax = plt.subplots(figsize=(width, height), constrained_layout=True)
    ax.grid(True, which="major", alpha=0.3, linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


# -- a run --------------------------------------------------------------------------------

def run_accuracy(directory: Path) -> Dict[Tuple[str, float], List[float]]:
    """``(compensation, t) → per-repeat accuracies (%)`` from ``analog.csv``."""
    rows = read_csv(directory / "analog.csv")
    out: Dict[Tuple[str, float], List[float]] = defaultdict(list)
    for r in rows:
        for k, v in r.items():
            if k.startswith("accuracy_") and v != "":
                out[(k[len("accuracy_"):], float(r["t_inference_s"]))].append(100 * float(v))
    return out


def plot_run(directory: Path, formats: Sequence[str] = FORMATS, compensation: Optional[Sequence[str]] = None,
             times: Optional[Sequence[float]] = None, digital: Optional[float] = None) -> List[Path]:
    """``accuracy_vs_time`` (mean ± 95 % CI per compensation method, log time axis, the FP32
    accuracy as a reference line) and ``energy_per_inference`` (bars, log J axis)."""
    directory = Path(directory)
    acc = run_accuracy(directory)
    summary = _load_json(directory / "summary.json")
    if digital is None and summary:
        digital = 100 * summary["digital"]["accuracy"]
    comps = [c for c in dict.fromkeys(c for c, _ in acc) if compensation is None or c in compensation]
    paths: List[Path] = []
    fig, ax = _figure()
    all_t, lo, hi = set(), 100.0, 0.0
    markers = "osD^v<>"
    for i, c in enumerate(comps):
        ts = sorted(t for cc, t in acc if cc == c and (times is None or t in times))
        stats = [_stats(acc[(c, t)]) for t in ts]
        all_t.update(ts)
        ms = [m for m, _ in stats]
        es = [e for _, e in stats]
        lo, hi = min([lo] + [m - e for m, e in stats]), max([hi] + [m + e for m, e in stats])
        ax.errorbar([max(t, 1e-3) for t in ts], ms, yerr=es, marker=markers[i % len(markers)], ms=4, capsize=2,
                    linewidth=1.2, label=_COMP_LABELS.get(c, c))
    if digital is not None:
        ax.axhline(digital, color="0.3", linestyle="--", linewidth=1, label="digital (FP32)")
        lo, hi = min(lo, digital), max(hi, digital)
    _time_axis(ax, [max(t, 1e-3) for t in all_t])
    _accuracy_axis(ax, lo, hi)
    _legend(ax, loc="lower left")
    if summary:
        ax.set_title("%s: %d programmings" % (summary["experiment"], len(summary["repeat_seeds"])), fontsize="medium")
    paths += _save(fig, directory, "accuracy_vs_time", formats)
    if (directory / "energy.csv").is_file():
        paths += plot_energy(directory / "energy.csv", formats)
    return paths


def plot_energy(path: Path, formats: Sequence[str] = FORMATS) -> List[Path]:
    """Energy per inference of the analogue hardware and each GPU × batch size × execution
    (CUDA graph, eager: the GPU's best end; roofline: the lower bound), bars on a log axis with
    SI prefixes."""
    rows = read_csv(Path(path))
    names = []
    totals = []
    for r in rows:
        sysname = r["system"].split(":", 1)[1]
        mode = (", " + r["execution"].replace("_", " ")) if r.get("execution") and r["execution"] != "analog" else ""
        names.append(sysname if r["system"].startswith("analog") else "%s, batch %s (%s%s)" % (sysname, r["batch_size"], r["precision"], mode))
        totals.append(float(r["joules_per_inference"]))
    fig, ax = _figure(5.5, 0.35 * len(rows) + 1.2)
    colors = ["tab:green" if r["system"].startswith("analog") else "tab:gray" for r in rows]
    y = list(range(len(rows)))[::-1]
    ax.barh(y, totals, color=colors, height=0.6)
    for yi, v in zip(y, totals):
        ax.text(v * 1.1, yi, si(v, "J"), va="center", fontsize="x-small")
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize="small")
    _si_log_axis(ax, "x", "J")
    ax.set_xlim(min(totals) / 3, max(totals) * 8)
    ax.set_xlabel("energy per inference")
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.grid(False, axis="y")
    return _save(fig, Path(path).parent, "energy_per_inference", formats)


# -- a sweep ------------------------------------------------------------------------------

def _sweep_axes(rows: List[Dict[str, str]]) -> List[str]:
    fixed = {"point", "repeat", "seed", "t_inference_s", "compensation", "accuracy", "digital_accuracy",
             "analog_joules_per_inference", "analog_latency_s"}
    return [k for k in (rows[0].keys() if rows else []) if k not in fixed]


def plot_sweep(directory: Path, formats: Sequence[str] = FORMATS, compensation: Optional[Sequence[str]] = None,
               times: Optional[Sequence[float]] = None) -> List[Path]:
    """From ``sweep.csv``: ``accuracy_vs_time`` (one series per point), ``accuracy_vs_<axis>``
    for each axis (numeric axes as lines over true values, log when they span ≥ 2 decades;
    categorical axes as offset points) and ``accuracy_vs_energy`` with the Pareto front."""
    directory = Path(directory)
    rows = read_csv(directory / "sweep.csv")
    if not rows:
        return []
    docs = _key_docs()
    axes = _sweep_axes(rows)
    comps = list(dict.fromkeys(r["compensation"] for r in rows))
    if compensation is None and "global" in comps:
        comps = ["global"] + [c for c in comps if c != "global"]
    comps = [c for c in comps if compensation is None or c in compensation] or comps[:1]
    ts = sorted({float(r["t_inference_s"]) for r in rows})
    ts = [t for t in ts if times is None or t in times]
    groups: Dict[Tuple[str, str, float], List[float]] = defaultdict(list)
    energy: Dict[str, float] = {}
    for r in rows:
        groups[(r["point"], r["compensation"], float(r["t_inference_s"]))].append(100 * float(r["accuracy"]))
        if _num(r.get("analog_joules_per_inference")) is not None:
            energy[r["point"]] = float(r["analog_joules_per_inference"])
    points = list(dict.fromkeys(r["point"] for r in rows))
    assign = {r["point"]: {a: r[a] for a in axes} for r in rows}
    paths: List[Path] = []

    def point_label(p: str) -> str:
        return ", ".join("%s = %s" % (label(a, docs), assign[p][a]) for a in axes)

    # accuracy vs time, one series per point, for the first chosen compensation
    comp = comps[0]
    fig, ax = _figure(5.5, 3.6)
    lo, hi = 100.0, 0.0
    for p in points:
        st = [_stats(groups[(p, comp, t)]) for t in ts if groups.get((p, comp, t))]
        tt = [t for t in ts if groups.get((p, comp, t))]
        if not st:
            continue
        lo, hi = min([lo] + [m - e for m, e in st]), max([hi] + [m + e for m, e in st])
        ax.errorbar([max(t, 1e-3) for t in tt], [m for m, _ in st], yerr=[e for _, e in st], marker="o", ms=3.5,
                    capsize=2, linewidth=1.1, label=point_label(p))
    _time_axis(ax, [max(t, 1e-3) for t in ts])
    _accuracy_axis(ax, lo, hi)
    ax.set_title("compensation: %s" % _COMP_LABELS.get(comp, comp), fontsize="medium")
    _legend(ax, loc="lower left", ncol=1 if len(points) <= 6 else 2)
    paths += _save(fig, directory, "accuracy_vs_time", formats)

    # accuracy vs each axis: one series per evaluation time (compensation comp)
    for a in axes:
        values = list(dict.fromkeys(assign[p][a] for p in points))
        numeric = all(_num(v) is not None for v in values)
        fig, ax = _figure()
        lo, hi = 100.0, 0.0
        for j, t in enumerate(ts):
            xs, ms, es = [], [], []
            for v in values:
                acc = [x for p in points if assign[p][a] == v for x in groups.get((p, comp, t), [])]
                if not acc:
                    continue
                m, e = _stats(acc)
                xs.append(float(v) if numeric else values.index(v) + (j - (len(ts) - 1) / 2) * 0.08)
                ms.append(m)
                es.append(e)
            lo, hi = min([lo] + [m - e for m, e in zip(ms, es)]), max([hi] + [m + e for m, e in zip(ms, es)])
            ax.errorbar(xs, ms, yerr=es, marker="o", ms=4, capsize=2, elinewidth=1.1, linewidth=1.1,
                        linestyle="-" if numeric else "none", label=time_label(t))
        if numeric:
            nums = [float(v) for v in values]
            if min(nums) > 0 and max(nums) / min(nums) >= 100:
                ax.set_xscale("log")
            else:
                ax.xaxis.set_major_locator(ticker.FixedLocator(sorted(nums)))
        else:
            ax.set_xticks(range(len(values)))
            ax.set_xticklabels(values)
            ax.set_xlim(-0.5, len(values) - 0.5)
            ax.grid(False, axis="x")
        ax.set_xlabel(label(a, docs))
        _accuracy_axis(ax, lo, hi)
        _legend(ax, title="time since programming", title_fontsize="small")
        safe = "".join(ch if ch.isalnum() else "_" for ch in a)
        paths += _save(fig, directory, "accuracy_vs_" + safe, formats)

    # accuracy vs energy, last time, with the Pareto front (less energy, more accuracy)
    if energy:
        t = ts[-1]
        pts = []
        for p in points:
            if p in energy and groups.get((p, comp, t)):
                m, e = _stats(groups[(p, comp, t)])
                pts.append((energy[p], m, e, p))
        fig, ax = _figure()
        for en, m, e, p in pts:
            ax.errorbar([en], [m], yerr=[e], marker="o", ms=5, capsize=2, linestyle="none", label=point_label(p))
        front, best = [], -1.0
        for en, m, e, p in sorted(pts):
            if m > best:
                front.append((en, m))
                best = m
        if len(front) > 1:
            ax.step([f[0] for f in front], [f[1] for f in front], where="post", color="0.4", linewidth=0.8,
                    linestyle=":", label="Pareto front")
        _si_log_axis(ax, "x", "J", [p[0] for p in pts])
        lo_e, hi_e = min(p[0] for p in pts), max(p[0] for p in pts)
        ax.set_xlim(lo_e / 1.25, hi_e * 1.25)
        ax.set_xlabel("analogue energy per inference")
        _accuracy_axis(ax, min(m - e for _, m, e, _ in pts), max(m + e for _, m, e, _ in pts))
        ax.set_title("after %s, %s" % (time_label(t), _COMP_LABELS.get(comp, comp)), fontsize="medium")
        _legend(ax, loc="best")
        paths += _save(fig, directory, "accuracy_vs_energy", formats)
    return paths


# -- HTML report --------------------------------------------------------------------------

def _load_json(p: Path) -> Optional[Dict[str, Any]]:
    try:
        return json.loads(Path(p).read_text())
    except (OSError, ValueError):
        return None


def _machine() -> Dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from . import __version__
    except Exception:
        __version__ = "?"
    return {"host": platform.node(), "system": platform.platform(), "cpu": "%s × %d" % (cpu, os.cpu_count() or 0),
            "python": sys.version.split()[0], "matplotlib": matplotlib.__version__, "aimc (Python)": __version__,
            "report written": datetime.datetime.now().isoformat(timespec="seconds")}


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    h = "".join("<th>%s</th>" % html.escape(str(c)) for c in header)
    b = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(str(c)) for c in r) for r in rows)
    return "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (h, b)


def _embed_png(p: Path) -> str:
    data = base64.b64encode(Path(p).read_bytes()).decode()
    return '<figure><img alt="%s" src="data:image/png;base64,%s"><figcaption>%s</figcaption></figure>' % (
        html.escape(p.stem), data, html.escape(p.stem.replace("_", " ")))


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}img{max-width:100%;height:auto}
figure{display:inline-block;margin:0.5em;vertical-align:top;max-width:520px}figcaption{font-size:0.8em;color:#555}
pre{background:#f7f7f7;padding:0.8em;overflow:auto;font-size:0.8em}"""


def report(directory: Path, figures: Sequence[Path]) -> Path:
    """``report.html``: tables, the PNG figures embedded, the resolved config, the machine. One
    file, no external resources."""
    directory = Path(directory)
    summary = _load_json(directory / "summary.json") or {}
    parts = []
    title = summary.get("experiment", directory.name)
    if (directory / "analog.csv").is_file():
        acc = run_accuracy(directory)
        rows = []
        for (c, t), v in sorted(acc.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            m, e = _stats(v)
            rows.append((time_label(t), _COMP_LABELS.get(c, c), "%.2f %%" % m, "± %.2f %%" % e, len(v)))
        d = summary.get("digital", {})
        parts.append("<h2>Accuracy</h2><p>digital (FP32): %s on %s test images</p>" % (
            "%.2f %%" % (100 * d["accuracy"]) if d else "?", d.get("test_images", "?")))
        parts.append(_table(["time since programming", "compensation", "mean", "95 % CI", "repeats"], rows))
    if (directory / "energy.csv").is_file():
        er = read_csv(directory / "energy.csv")
        def fmt(v: float) -> str:
            return si(v, "J")

        def fs(v: float) -> str:
            return si(v, "s")
        parts.append("<h2>Energy per inference</h2>" + _table(
            ["system", "precision", "batch", "energy", "latency", "TOPS/W"],
            [(r["system"], r["precision"], r["batch_size"], fmt(float(r["joules_per_inference"])),
              fs(float(r["latency_s"])), "%.3g" % float(r["tops_per_watt"])) for r in er]))
    if (directory / "sweep.csv").is_file():
        sr = read_csv(directory / "sweep.csv")
        axes = _sweep_axes(sr)
        g: Dict[Tuple, List[float]] = defaultdict(list)
        for r in sr:
            g[tuple(r[a] for a in axes) + (float(r["t_inference_s"]), r["compensation"])].append(100 * float(r["accuracy"]))
        rows = []
        for k, v in g.items():
            m, e = _stats(v)
            rows.append(list(k[:-2]) + [time_label(k[-2]), k[-1], "%.2f %%" % m, "± %.2f %%" % e, len(v)])
        parts.append("<h2>Sweep</h2>" + _table(axes + ["time", "compensation", "mean", "95 % CI", "repeats"], rows))
    parts.append("<h2>Figures</h2>" + "".join(_embed_png(p) for p in figures if p.suffix == ".png"))
    resolved = directory / "resolved.yaml"
    if resolved.is_file():
        parts.append("<h2>Resolved config</h2><pre>%s</pre>" % html.escape(resolved.read_text()))
    elif summary:
        parts.append("<h2>Summary</h2><pre>%s</pre>" % html.escape(json.dumps(
            {k: v for k, v in summary.items() if k != "points"}, indent=1)[:20000]))
    parts.append("<h2>Machine</h2>" + _table(["", ""], _machine().items()))
    doc = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>aimc · %s</title><style>%s</style>"
           "</head><body><h1>aimc · %s</h1><p>%s</p>%s</body></html>") % (
        html.escape(title), _CSS, html.escape(title), html.escape(str(directory)), "".join(parts))
    out = directory / "report.html"
    out.write_text(doc, encoding="utf-8")
    return out


def plot(directory: Path, formats: Sequence[str] = FORMATS, compensation: Optional[Sequence[str]] = None,
         times: Optional[Sequence[float]] = None, html_report: bool = True, check_manifest: bool = True) -> List[Path]:
    """Every figure (and ``report.html``) of a run folder, a sweep folder, or a run folder with a
    ``sweep/`` or ``sweep-<axes>/`` subfolder. Returns the paths written. Each folder is first
    checked against its ``manifest.json`` (``check_result_set``) unless ``check_manifest`` is
    false; an incomplete one raises ``IncompleteResults``."""
    directory = Path(directory)
    written: List[Path] = []
    found = False
    fmts = list(formats) if "png" in formats or not html_report else list(formats) + ["png"]
    sweeps = sorted(d for d in directory.glob("sweep*") if d.is_dir()) if directory.is_dir() else []
    for d, fn in [(directory, None)] + [(s, None) for s in sweeps]:
        if not (d / "analog.csv").is_file() and not (d / "sweep.csv").is_file():
            continue
        if check_manifest:
            check_result_set(d)
        if (d / "analog.csv").is_file():
            figs = plot_run(d, fmts, compensation, times)
        else:
            figs = plot_sweep(d, fmts, compensation, times)
        found = True
        written += figs
        if html_report:
            written.append(report(d, figs))
    if not found:
        raise FileNotFoundError("%s: no analog.csv or sweep.csv (a results folder of aimc run or aimc sweep)" % directory)
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="aimc plot", description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", help="results folder of aimc run (analog.csv) or aimc sweep (sweep.csv)")
    ap.add_argument("--format", default=",".join(FORMATS), help="comma-separated: pdf,png,svg (default all)")
    ap.add_argument("--compensation", help="comma-separated compensation methods to draw (default all; sweeps: the first)")
    ap.add_argument("--times", help="comma-separated evaluation times to draw, seconds or 1h, 1d, 1y (default all)")
    ap.add_argument("--style", help="a matplotlib style name or .mplstyle file")
    ap.add_argument("--no-html", action="store_true", help="no report.html")
    ap.add_argument("--allow-incomplete", action="store_true",
                    help="draw a folder whose manifest.json is missing or does not match its files")
    a = ap.parse_args(argv)
    if a.style:
        plt.style.use(a.style)
    times = None
    if a.times:
        units = {"s": 1, "min": 60, "h": 3600, "d": 86400, "y": 31_536_000}
        times = []
        for tok in a.times.split(","):
            tok = tok.strip()
            unit = next((u for u in ("min", "s", "h", "d", "y") if tok.endswith(u)), "")
            times.append(float(tok[: len(tok) - len(unit)] if unit else tok) * units.get(unit, 1))
    try:
        paths = plot(Path(a.directory), [f.strip() for f in a.format.split(",") if f.strip()],
                     a.compensation.split(",") if a.compensation else None, times, not a.no_html,
                     check_manifest=not a.allow_incomplete)
    except (FileNotFoundError, IncompleteResults) as e:
        print("aimc plot: %s" % e, file=sys.stderr)
        return 1
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
