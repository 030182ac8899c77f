#!/usr/bin/env python3
"""Measure latency and energy per inference of an MLP on an NVIDIA GPU (issue 17).

The network is the one aimc evaluates, exported as .npz with W0, b0, W1, b1, ... (W_i of shape
[outputs x inputs], as ``results/weights-cache/mlp-*.npz`` and ``network.weights``); ReLU
between layers, none after the last. For each batch size (default 1 and 1000) and each launch
mode (``eager``: one PyTorch call per layer from the host; ``cuda_graph``: the captured forward
pass replayed), the script runs inferences back to back for ``--seconds``, each followed by
``torch.cuda.synchronize()`` (every request waits for its answer, as at batch 1), and reads:

- latency of one call (one batch): wall time / calls (``time.perf_counter``);
- energy: the board's energy counter before and after (NVML
  ``nvmlDeviceGetTotalEnergyConsumption``, mJ, Volta and later), divided by calls x batch;
- mean board power: energy / wall time; and, before the runs, the idle power with the CUDA
  context open (``nvmlDeviceGetPowerUsage`` sampled for ``--idle-seconds``).

It writes a YAML measurement file (``--output``) with the date, GPU name, driver, CUDA and
PyTorch versions, the precision and every run, for comparison with the realistic estimate of
``Circuits/gpus/*.yaml`` (docs/ENERGY.md). aimc's tests never need a GPU: they use the
committed profiles. INT8 is not measured (PyTorch has no general INT8 GEMM path); choose
fp32, bf16 or fp16.

Usage::

    /usr/bin/python3 Tools/gpu_measure.py results/weights-cache/mlp-784-256-128-10-*.npz \\
        --precision bf16 --output Circuits/gpus/measured/h100-$(date +%F).yaml
"""
import argparse
import ctypes
import datetime
import sys
import time
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

import numpy as np

PRECISIONS = ("fp32", "bf16", "fp16")
MODES = ("eager", "cuda_graph")


def load_mlp(path: Path) -> List[Tuple[np.ndarray, np.ndarray]]:
    """The layers (W [outputs x inputs], b [outputs]) of an .npz holding W0, b0, W1, b1, ...

    Raises ValueError naming the file and the array when a layer is missing or does not chain.
    """
    with np.load(path) as d:
        layers = []
        i = 0
        while "W%d" % i in d:
            if "b%d" % i not in d:
                raise ValueError("%s: W%d has no b%d" % (path, i, i))
            w, b = np.asarray(d["W%d" % i], np.float32), np.asarray(d["b%d" % i], np.float32)
            if w.ndim != 2 or b.shape != (w.shape[0],):
                raise ValueError("%s: W%d has shape %s and b%d %s; need [outputs x inputs] and [outputs]"
                                 % (path, i, w.shape, i, b.shape))
            if layers and layers[-1][0].shape[0] != w.shape[1]:
                raise ValueError("%s: W%d takes %d inputs but layer %d gives %d outputs"
                                 % (path, i, w.shape[1], i - 1, layers[-1][0].shape[0]))
            layers.append((w, b))
            i += 1
    if not layers:
        raise ValueError("%s: no W0 (an MLP exported as W0, b0, W1, b1, ...)" % path)
    return layers


def build_model(layers: Sequence[Tuple[np.ndarray, np.ndarray]], dtype, device):
    """torch.nn.Sequential of Linear layers with ReLU between them, in `dtype` on `device`."""
    import torch
    mods = []
    for i, (w, b) in enumerate(layers):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        mods.append(lin)
        if i + 1 < len(layers):
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods).to(device=device, dtype=dtype).eval()


class NVML:
    """The few NVML calls the measurement needs, through ctypes (libnvidia-ml.so.1)."""

    def __init__(self, index: int = 0):
        try:
            self.lib = ctypes.CDLL("libnvidia-ml.so.1")
        except OSError as e:
            raise RuntimeError("NVML (libnvidia-ml.so.1) not found: an NVIDIA driver is needed (%s)" % e)
        self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
        self.handle = ctypes.c_void_p()
        self._check(self.lib.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(self.handle)), "nvmlDeviceGetHandleByIndex_v2")

    @staticmethod
    def _check(rc: int, name: str) -> None:
        if rc != 0:
            raise RuntimeError("%s failed with NVML error %d" % (name, rc))

    def energy_joules(self) -> float:
        mj = ctypes.c_ulonglong()
        self._check(self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(mj)), "nvmlDeviceGetTotalEnergyConsumption")
        return mj.value / 1000.0

    def power_watts(self) -> float:
        mw = ctypes.c_uint()
        self._check(self.lib.nvmlDeviceGetPowerUsage(self.handle, ctypes.byref(mw)), "nvmlDeviceGetPowerUsage")
        return mw.value / 1000.0

    def name(self) -> str:
        buf = ctypes.create_string_buffer(96)
        self._check(self.lib.nvmlDeviceGetName(self.handle, buf, 96), "nvmlDeviceGetName")
        return buf.value.decode()

    def driver(self) -> str:
        buf = ctypes.create_string_buffer(80)
        self._check(self.lib.nvmlSystemGetDriverVersion(buf, 80), "nvmlSystemGetDriverVersion")
        return buf.value.decode()


def measure(call: Callable[[], None], sync: Callable[[], None], energy: Callable[[], float], batch: int,
            seconds: float, min_calls: int = 20) -> dict:
    """Runs `call` + `sync` back to back for at least `seconds` and `min_calls` calls; returns
    latency_s (per call), joules_per_inference (energy counter difference / calls / batch),
    power_w and calls."""
    for _ in range(10):  # warm-up
        call()
        sync()
    e0, t0, n = energy(), time.perf_counter(), 0
    while n < min_calls or time.perf_counter() - t0 < seconds:
        call()
        sync()
        n += 1
    t1, e1 = time.perf_counter(), energy()
    wall = t1 - t0
    return {"batch": batch, "latency_s": wall / n, "joules_per_inference": (e1 - e0) / n / batch,
            "power_w": (e1 - e0) / wall, "calls": n}


def run(npz: Path, precision: str, batches: Sequence[int], seconds: float, idle_seconds: float, device_index: int) -> dict:
    """Every batch x mode on the GPU; the measurement as a dict (the YAML file's content)."""
    import torch
    if not torch.cuda.is_available():
        raise RuntimeError("no CUDA device: this script measures an NVIDIA GPU (torch.cuda.is_available() is False)")
    dev = torch.device("cuda", device_index)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    nvml = NVML(device_index)
    layers = load_mlp(npz)
    model = build_model(layers, dtype, dev)
    torch.cuda.synchronize()
    samples = []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < idle_seconds:
        samples.append(nvml.power_watts())
        time.sleep(0.05)
    runs = []
    rng = np.random.default_rng(0)
    for batch in batches:
        x = torch.from_numpy(rng.random((batch, layers[0][0].shape[1]), dtype=np.float32)).to(dev, dtype)
        with torch.no_grad():
            def eager():
                model(x)
            r = measure(eager, torch.cuda.synchronize, nvml.energy_joules, batch, seconds)
            runs.append(dict(r, mode="eager"))
            stream = torch.cuda.Stream(dev)
            stream.wait_stream(torch.cuda.current_stream(dev))
            with torch.cuda.stream(stream):
                for _ in range(3):
                    model(x)
            torch.cuda.current_stream(dev).wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                model(x)
            r = measure(graph.replay, torch.cuda.synchronize, nvml.energy_joules, batch, seconds)
            runs.append(dict(r, mode="cuda_graph"))
    return {
        "date": datetime.date.today().isoformat(), "gpu": nvml.name(), "driver": nvml.driver(),
        "cuda": torch.version.cuda, "torch": torch.__version__, "network": str(npz),
        "layers": [list(w.shape[::-1]) for w, _ in layers], "precision": precision,
        "idle_power_w": float(np.mean(samples)) if samples else None, "runs": runs,
    }


def to_yaml(m: dict) -> str:
    """The measurement file: a `measurement:` mapping, one line per run."""
    lines = ["# Measured by Tools/gpu_measure.py: latency and board energy per inference (NVML),",
             "# each call synchronised; compare with the realistic estimate of Circuits/gpus/*.yaml.",
             "measurement:"]
    for k in ("date", "gpu", "driver", "cuda", "torch", "network", "precision"):
        lines.append('  %s: "%s"' % (k, m[k]))
    lines.append("  layers: %s" % m["layers"])
    lines.append("  idle_power_w: %s" % ("null" if m["idle_power_w"] is None else "%.2f" % m["idle_power_w"]))
    lines.append("  runs:")
    for r in m["runs"]:
        lines.append("    - {batch: %d, mode: %s, latency_s: %.4e, joules_per_inference: %.4e, power_w: %.2f, calls: %d}"
                     % (r["batch"], r["mode"], r["latency_s"], r["joules_per_inference"], r["power_w"], r["calls"]))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("weights", type=Path, help="MLP weights .npz (W0, b0, W1, b1, ...)")
    p.add_argument("--precision", choices=PRECISIONS, default="bf16")
    p.add_argument("--batch", type=int, nargs="+", default=[1, 1000])
    p.add_argument("--seconds", type=float, default=5.0, help="measuring time per batch and mode (s)")
    p.add_argument("--idle-seconds", type=float, default=3.0, help="idle power sampling with the context open (s)")
    p.add_argument("--device", type=int, default=0)
    p.add_argument("--output", type=Path, required=True, help="YAML measurement file to write")
    a = p.parse_args(argv)
    if any(b < 1 for b in a.batch) or a.seconds <= 0 or a.idle_seconds < 0:
        p.error("batch sizes must be >= 1, --seconds > 0 and --idle-seconds >= 0")
    try:
        m = run(a.weights, a.precision, a.batch, a.seconds, a.idle_seconds, a.device)
    except (RuntimeError, ValueError, OSError) as e:
        print("gpu_measure: %s" % e, file=sys.stderr)
        return 1
    a.output.parent.mkdir(parents=True, exist_ok=True)
    a.output.write_text(to_yaml(m))
    print(to_yaml(m), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
