"""PyTorch inference on simulated analogue tiles: ``AnalogLinear``, ``AnalogConv2d``, ``convert``.

Forward only (hardware-aware training stays in Swift, ``aimc run`` with ``training.hwa``):
every ``Linear`` and ``Conv2d`` weight is programmed onto tiles once, and each forward pass is
an analogue MVM of the layer's inputs (convolutions lowered with ``unfold``, one row per output
pixel), bias added digitally in float32. Needs PyTorch (Debian: ``apt install python3-torch``).

Example::

    model = aimc.torch.convert(model, hardware="pcm-default", seed=1)
    for t in ["1s", "1h", "1d", "1y"]:
        aimc.torch.drift(model, t)
        logits = model(x)
"""
from __future__ import annotations

import copy
from typing import Any, Iterator, Mapping, Optional, Union

try:
    import torch as _torch
    import torch.nn.functional as _F
    from torch import nn as _nn
except ImportError as e:  # pragma: no cover - depends on the machine
    raise ImportError(
        "aimc.torch needs PyTorch: on Debian `apt install python3-torch` (for /usr/bin/python3), "
        "elsewhere `pip install torch`") from e

import numpy as np

from ._core import Hardware, Tile, cached_hardware

__all__ = ["AnalogLinear", "AnalogConv2d", "convert", "drift", "analog_layers"]


class _AnalogLayer(_nn.Module):
    """Weights ``[outputs × inputs]`` on a ``Tile``; the bias stays digital."""

    def __init__(self, weight: Any, bias: Optional[Any], hardware: Union[str, Hardware], seed: int,
                 t_inference: Union[float, str], compensation: str, set: Optional[Mapping[str, Any]]) -> None:
        super().__init__()
        w = weight.detach().to("cpu", _torch.float32).reshape(weight.shape[0], -1).numpy()
        self.tile = Tile(w, hardware=cached_hardware(hardware, set=set), seed=seed, t_inference=t_inference)
        self.compensation = compensation
        self.register_buffer("weight", weight.detach().clone())
        self.register_buffer("bias", None if bias is None else bias.detach().clone())

    def drift(self, t_inference: Union[float, str]) -> "_AnalogLayer":
        """Drifts the tile to ``t_inference`` (s or ``"1d"``) and restarts its read noise."""
        self.tile.drift(t_inference)
        return self

    def program(self, seed: Optional[int] = None) -> "_AnalogLayer":
        self.tile.program(seed)
        return self

    def _mvm(self, x2: Any) -> Any:
        """``[rows × inputs]`` tensor → ``[rows × outputs]`` float32 tensor on x2's device."""
        xn = np.ascontiguousarray(x2.detach().to("cpu", _torch.float32).numpy())
        return _torch.from_numpy(self.tile.mvm(xn, compensation=self.compensation)).to(x2.device)


class AnalogLinear(_AnalogLayer):
    """``nn.Linear`` on analogue tiles: ``y = analog(W) x + b`` for inputs ``[..., in_features]``.

    Args:
        linear: the layer whose weight ``[out_features × in_features]`` and bias are used.
        hardware: preset name, YAML file or text, or ``aimc.Hardware``.
        seed: programming and read-noise seed; t_inference: initial time (s or ``"1d"``).
        compensation: drift compensation of the reads (``none``, ``global``, …).
    """

    def __init__(self, linear: _nn.Linear, hardware: Union[str, Hardware] = "pcm-default", seed: int = 0,
                 t_inference: Union[float, str] = 0.0, compensation: str = "none",
                 set: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(linear.weight, linear.bias, hardware, seed, t_inference, compensation, set)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    @classmethod
    def from_linear(cls, linear: _nn.Linear, **kwargs: Any) -> "AnalogLinear":
        return cls(linear, **kwargs)

    def forward(self, x: Any) -> Any:
        lead = x.shape[:-1]
        y = self._mvm(x.reshape(-1, self.in_features))
        if self.bias is not None:
            y = y + self.bias.to(y.dtype)
        return y.reshape(*lead, self.out_features).to(x.dtype)

    def extra_repr(self) -> str:
        return "in_features=%d, out_features=%d, %r, compensation=%s" % (
            self.in_features, self.out_features, self.tile.hardware, self.compensation)


class AnalogConv2d(_AnalogLayer):
    """``nn.Conv2d`` (groups = 1, zero padding) on analogue tiles, lowered with ``unfold``:
    inputs ``[N, C, H, W]`` → patches ``[N·L, C·kh·kw]`` → MVM with the kernel as
    ``[out_channels × C·kh·kw]`` → ``[N, out_channels, H_out, W_out]``."""

    def __init__(self, conv: _nn.Conv2d, hardware: Union[str, Hardware] = "pcm-default", seed: int = 0,
                 t_inference: Union[float, str] = 0.0, compensation: str = "none",
                 set: Optional[Mapping[str, Any]] = None) -> None:
        if conv.groups != 1:
            raise ValueError("AnalogConv2d: groups = %d is not supported (only 1)" % conv.groups)
        if conv.padding_mode != "zeros" or isinstance(conv.padding, str):
            raise ValueError("AnalogConv2d: only numeric zero padding is supported (got %r, %r)"
                             % (conv.padding, conv.padding_mode))
        super().__init__(conv.weight, conv.bias, hardware, seed, t_inference, compensation, set)
        self.out_channels = conv.out_channels
        self.kernel_size, self.stride = conv.kernel_size, conv.stride
        self.padding, self.dilation = conv.padding, conv.dilation

    def forward(self, x: Any) -> Any:
        n, _, h, w = x.shape
        cols = _F.unfold(x, self.kernel_size, dilation=self.dilation, padding=self.padding, stride=self.stride)
        L = cols.shape[-1]
        y = self._mvm(cols.transpose(1, 2).reshape(n * L, -1))
        if self.bias is not None:
            y = y + self.bias.to(y.dtype)
        ho = (h + 2 * self.padding[0] - self.dilation[0] * (self.kernel_size[0] - 1) - 1) // self.stride[0] + 1
        wo = (w + 2 * self.padding[1] - self.dilation[1] * (self.kernel_size[1] - 1) - 1) // self.stride[1] + 1
        return y.reshape(n, L, self.out_channels).transpose(1, 2).reshape(n, self.out_channels, ho, wo).to(x.dtype)


def convert(model: _nn.Module, hardware: Union[str, Hardware] = "pcm-default", seed: int = 0,
            t_inference: Union[float, str] = 0.0, compensation: str = "none",
            set: Optional[Mapping[str, Any]] = None, inplace: bool = False) -> _nn.Module:
    """A copy of ``model`` (or ``model`` itself with ``inplace``) whose ``Linear`` and ``Conv2d``
    layers run on analogue tiles. The i-th converted layer in module order is programmed with
    seed ``seed + i``; all start at ``t_inference``. The model is put in ``eval()`` mode."""
    m = model if inplace else copy.deepcopy(model)
    counter = [0]

    def walk(parent: _nn.Module) -> None:
        for name, child in list(parent.named_children()):
            kw = dict(hardware=hardware, seed=seed + counter[0], t_inference=t_inference,
                      compensation=compensation, set=set)
            if isinstance(child, _nn.Linear):
                setattr(parent, name, AnalogLinear(child, **kw))
                counter[0] += 1
            elif isinstance(child, _nn.Conv2d):
                setattr(parent, name, AnalogConv2d(child, **kw))
                counter[0] += 1
            else:
                walk(child)

    walk(m)
    return m.eval()


def analog_layers(model: _nn.Module) -> Iterator[_AnalogLayer]:
    """The analogue layers of a converted model, in module order."""
    return (mod for mod in model.modules() if isinstance(mod, _AnalogLayer))


def drift(model: _nn.Module, t_inference: Union[float, str], compensation: Optional[str] = None) -> _nn.Module:
    """Drifts every analogue layer to ``t_inference`` (and sets its compensation if given)."""
    for layer in analog_layers(model):
        layer.drift(t_inference)
        if compensation is not None:
            layer.compensation = compensation
    return model
