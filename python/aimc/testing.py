"""pytest helpers: check analogue MVM results against ``X @ W.T`` with documented bounds.

Error bounds, per output ``j`` of one input vector ``x`` (``n`` inputs, ``W [outputs × n]``):

===========================  ===============================================================
non-ideality                 bound on ``|y_j − Σ_i w_ji x_i|``
===========================  ===============================================================
float32 arithmetic           ``γ · Σ_i |w_ji x_i|`` with ``γ = (n + 8) · 2⁻²⁴`` (the classic
                             dot-product bound ``n·u`` plus the input and weight scalings)
DAC (b bits, range r)        half a step per input: ``s_x · Δ_DAC/2 · Σ_i |w_ji|`` with
                             ``Δ_DAC = 2r/(2ᵇ − 2)`` (signed), ``s_x = max_i |x_i|`` under
                             ``input_scaling: abs_max`` (else 1)
ADC (b bits, range r)        half a step per tile read: ``T · s_x · s_w · Δ_ADC/2`` with ``T``
                             the tiles along the inputs, ``s_w = max |W|`` (normalised output
                             units); only without clipping (``counts()["adc_clipped"] == 0``)
output noise σ (normalised)  statistical: ``k · σ · s_x · s_w · √T`` (per output, k = 4 by default)
programming / read noise,    statistical, in weight units: an error of standard deviation
drift                        ``σ_w · ‖x‖₂`` per output; over N independent outputs, programmings
                             or seeds the mean error obeys ``|mean| ≤ k · σ / √N``
                             (``assert_mean_within``)
===========================  ===============================================================

``assert_mvm_close`` adds the deterministic bounds of the hardware (float32, DAC, ADC) and
``k`` standard deviations of its output noise; device noise is the caller's ``sigma`` (in
output units) because it depends on the device model and the time.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Union

import numpy as np

from ._core import Hardware, cached_hardware

U32 = 2.0 ** -24


def _xw(X: Any, W: Any):
    x = np.atleast_2d(np.asarray(X, dtype=np.float64))
    w = np.asarray(W, dtype=np.float64)
    if w.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ValueError("X %s and W %s do not agree: X must be [batch × %d]" % (np.shape(X), w.shape, w.shape[-1]))
    return x, w


def reference(X: Any, W: Any) -> np.ndarray:
    """``X @ W.T`` in float64: ``[batch × outputs]``."""
    x, w = _xw(X, W)
    return x @ w.T


def float32_bound(X: Any, W: Any) -> np.ndarray:
    """``(n + 8)·2⁻²⁴ · |X| @ |W|ᵀ``: the rounding bound of a float32 MVM ``[batch × outputs]``."""
    x, w = _xw(X, W)
    return (w.shape[1] + 8) * U32 * (np.abs(x) @ np.abs(w).T)


def _describe(hardware: Union[str, Hardware]) -> Dict[str, Any]:
    return cached_hardware(hardware).describe()


def converter_bound(X: Any, W: Any, hardware: Union[str, Hardware] = "ideal") -> np.ndarray:
    """Half a DAC step per input plus half an ADC step per tile read (``[batch × outputs]``, in
    output units), for weight_scaling ``tile`` or ``layer`` and without ADC clipping."""
    x, w = _xw(X, W)
    d = _describe(hardware)
    h = d["hardware"]
    sx = np.max(np.abs(x), axis=1, keepdims=True) if d["input_scaling"] == "abs_max" else np.ones((x.shape[0], 1))
    sw = float(np.max(np.abs(w))) if w.size else 0.0
    tiles_along_inputs = math.ceil(w.shape[1] / h["tile_rows"])
    dac = sx * d["dac_step"] / 2 * np.abs(w).sum(axis=1)[None, :]
    adc = tiles_along_inputs * sx * sw * d["adc_step"] / 2
    return dac + adc


def output_noise_sigma(X: Any, W: Any, hardware: Union[str, Hardware] = "ideal") -> np.ndarray:
    """Standard deviation of the output noise per output (``[batch × 1]``, output units)."""
    x, w = _xw(X, W)
    d = _describe(hardware)
    h = d["hardware"]
    sx = np.max(np.abs(x), axis=1, keepdims=True) if d["input_scaling"] == "abs_max" else np.ones((x.shape[0], 1))
    sw = float(np.max(np.abs(w))) if w.size else 0.0
    return h["output_noise"] * sx * sw * math.sqrt(math.ceil(w.shape[1] / h["tile_rows"]))


def mvm_bound(X: Any, W: Any, hardware: Union[str, Hardware] = "ideal", k: float = 4.0,
              sigma: Union[float, np.ndarray] = 0.0) -> np.ndarray:
    """The tolerance ``assert_mvm_close`` uses: float32 + converters + ``k·(output noise ⊕ sigma)``."""
    noise = np.sqrt(output_noise_sigma(X, W, hardware) ** 2 + np.asarray(sigma, dtype=np.float64) ** 2)
    return float32_bound(X, W) + converter_bound(X, W, hardware) + k * noise


def assert_mvm_close(Y: Any, X: Any, W: Any, hardware: Union[str, Hardware] = "ideal", *, k: float = 4.0,
                     sigma: Union[float, np.ndarray] = 0.0, atol: float = 0.0, rtol: float = 0.0,
                     counts: Optional[Dict[str, Any]] = None) -> None:
    """Asserts ``|Y − X @ W.T| ≤ mvm_bound(...) + atol + rtol·|X @ W.T|`` element by element.

    Args:
        Y: the analogue result ``[batch × outputs]`` (or ``[outputs]``).
        X: inputs ``[batch × inputs]``; W: weights ``[outputs × inputs]``.
        hardware: the hardware Y was computed on (preset name, file, YAML or ``Hardware``).
        k: standard deviations allowed for the statistical terms (4: a false alarm in about
            1 of 16 000 outputs).
        sigma: extra noise standard deviation in output units (device noise, drift).
        counts: ``Tile.counts()`` of the read; ADC clipping voids the converter bound, so it
            is asserted to be zero when given.

    Raises:
        AssertionError: naming the worst element, its error and its bound.
    """
    y = np.atleast_2d(np.asarray(Y, dtype=np.float64))
    ref = reference(X, W)
    if y.shape != ref.shape:
        raise AssertionError("Y has shape %s but X @ W.T has shape %s" % (np.shape(Y), ref.shape))
    if counts is not None and counts.get("adc_clipped", 0):
        raise AssertionError("the ADC clipped %d of %d conversions; the converter bound does not apply"
                             % (counts["adc_clipped"], counts.get("adc_conversions", 0)))
    bound = mvm_bound(X, W, hardware, k=k, sigma=sigma) + atol + rtol * np.abs(ref)
    err = np.abs(y - ref)
    if not np.all(err <= bound):
        i = np.unravel_index(np.argmax(err - bound), err.shape)
        raise AssertionError("Y%s = %.9g differs from (X @ W.T)%s = %.9g by %.3g > bound %.3g (%d of %d elements outside)"
                             % (list(i), y[i], list(i), ref[i], err[i], bound[i], int(np.sum(err > bound)), err.size))


def assert_mean_within(errors: Any, sigma: float, k: float = 4.0, mean: float = 0.0) -> None:
    """Asserts that the mean of N independent errors with standard deviation ``sigma`` lies
    within ``mean ± k·σ/√N`` (the k·σ/√N bound of a noise statistic)."""
    e = np.asarray(errors, dtype=np.float64).ravel()
    n = e.size
    tol = k * sigma / math.sqrt(n)
    if not abs(e.mean() - mean) <= tol:
        raise AssertionError("mean of %d errors is %.4g; expected %.4g ± %.3g (k = %g, σ = %.4g)" % (n, e.mean(), mean, tol, k, sigma))


def assert_std_within(errors: Any, sigma: float, k: float = 4.0) -> None:
    """Asserts that the sample standard deviation of N Gaussian errors is ``σ ± k·σ/√(2(N−1))``."""
    e = np.asarray(errors, dtype=np.float64).ravel()
    n = e.size
    tol = k * sigma / math.sqrt(2 * (n - 1))
    s = e.std(ddof=1)
    if not abs(s - sigma) <= tol:
        raise AssertionError("std of %d errors is %.4g; expected %.4g ± %.3g (k = %g)" % (n, s, sigma, tol, k))
