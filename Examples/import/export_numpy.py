#!/usr/bin/env python3
"""Write the network of Examples/import/lenet.yaml with NumPy only (no PyTorch): the same
files export_pytorch.py writes, with random weights in PyTorch's layout, plus a NumPy
reference forward pass. The test suite runs it to check the import end to end.

    python3 Examples/import/export_numpy.py [OUT_DIR] [--reference]

Writes OUT_DIR/lenet.npz and OUT_DIR/lenet.safetensors (float32), and with --reference
also lenet_f16.safetensors and lenet_bf16.safetensors (the same weights stored as float16
and bfloat16), reference_f16.npz / reference_bf16.npz (those values widened to float32),
inputs.npy [8 × 784] and logits.npy [8 × 10] (NumPy's forward pass of the float32 network).
"""
import json
import os
import struct
import sys

import numpy as np

LAYERS = [("features.0", "conv", (8, 1, 5, 5)), ("features.1", "bn", 8),
          ("features.4", "conv", (16, 8, 5, 5)), ("features.5", "bn", 16),
          ("classifier.1", "linear", (64, 400)), ("classifier.4", "linear", (10, 64))]


def make_state(seed=0):
    rng = np.random.default_rng(seed)
    state = {}
    for name, kind, shape in LAYERS:
        if kind == "bn":
            state[name + ".weight"] = (1 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
            state[name + ".bias"] = (0.1 * rng.standard_normal(shape)).astype(np.float32)
            state[name + ".running_mean"] = (0.1 * rng.standard_normal(shape)).astype(np.float32)
            state[name + ".running_var"] = (1 + 0.2 * rng.random(shape)).astype(np.float32)
            state[name + ".num_batches_tracked"] = np.array(100, dtype=np.int64)
        else:
            fan_in = int(np.prod(shape[1:]))
            state[name + ".weight"] = (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)
            state[name + ".bias"] = (0.05 * rng.standard_normal(shape[0])).astype(np.float32)
    return state


def to_bf16_bits(a):
    """Round float32 to bfloat16 (round to nearest even), as 16-bit patterns."""
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return bits.astype(np.uint16)


def save_safetensors(path, state, dtype="F32"):
    """The safetensors layout: u64 header length, JSON header, data (little-endian, C order)."""
    header, blobs, offset = {}, [], 0
    for name, a in state.items():
        if a.dtype == np.int64:
            raw, dt = a.astype("<i8").tobytes(), "I64"
        elif dtype == "F16":
            raw, dt = a.astype("<f2").tobytes(), "F16"
        elif dtype == "BF16":
            raw, dt = to_bf16_bits(a).astype("<u2").tobytes(), "BF16"
        else:
            raw, dt = a.astype("<f4").tobytes(), "F32"
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def forward(state, x):
    """NumPy reference of lenet.yaml in eval mode; x is [batch, 784] in [0, 1]."""
    a = x.reshape(-1, 1, 28, 28).astype(np.float64)

    def conv(a, name, pad):
        w, b = state[name + ".weight"].astype(np.float64), state[name + ".bias"].astype(np.float64)
        a = np.pad(a, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        k = w.shape[2]
        oh, ow = a.shape[2] - k + 1, a.shape[3] - k + 1
        out = np.zeros((a.shape[0], w.shape[0], oh, ow))
        for ky in range(k):
            for kx in range(k):
                out += np.einsum("bchw,oc->bohw", a[:, :, ky:ky + oh, kx:kx + ow], w[:, :, ky, kx])
        return out + b[None, :, None, None]

    def bn(a, name):
        g, s = state[name + ".weight"], state[name + ".bias"]
        m, v = state[name + ".running_mean"], state[name + ".running_var"]
        return (a - m[None, :, None, None]) / np.sqrt(v[None, :, None, None] + 1e-5) * g[None, :, None, None] + s[None, :, None, None]

    def pool(a):
        b, c, h, w = a.shape
        return a[:, :, :h // 2 * 2, :w // 2 * 2].reshape(b, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))

    a = pool(np.maximum(bn(conv(a, "features.0", 2), "features.1"), 0))
    a = pool(np.maximum(bn(conv(a, "features.4", 0), "features.5"), 0))
    a = a.reshape(a.shape[0], -1)
    a = np.maximum(a @ state["classifier.1.weight"].T + state["classifier.1.bias"], 0)
    return a @ state["classifier.4.weight"].T + state["classifier.4.bias"]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = args[0] if args else "results/imported"
    os.makedirs(out, exist_ok=True)
    state = make_state()
    np.savez(os.path.join(out, "lenet.npz"), **state)
    save_safetensors(os.path.join(out, "lenet.safetensors"), state)
    if "--reference" in sys.argv:
        floats = {k: v for k, v in state.items() if v.dtype == np.float32}
        save_safetensors(os.path.join(out, "lenet_f16.safetensors"), state, "F16")
        save_safetensors(os.path.join(out, "lenet_bf16.safetensors"), state, "BF16")
        np.savez(os.path.join(out, "reference_f16.npz"), **{k: v.astype(np.float16).astype(np.float32) for k, v in floats.items()})
        np.savez(os.path.join(out, "reference_bf16.npz"),
                 **{k: (to_bf16_bits(v).astype(np.uint32) << 16).view(np.float32) for k, v in floats.items()})
        x = np.random.default_rng(1).random((8, 784)).astype(np.float32)
        np.save(os.path.join(out, "inputs.npy"), x)
        np.save(os.path.join(out, "logits.npy"), forward(state, x).astype(np.float32))
    print(f"wrote {out}/lenet.npz and {out}/lenet.safetensors")


if __name__ == "__main__":
    main()
