"""Writes the bad inputs of the hostile-input corpus (Tests/hostile/bad-inputs.sh) into a folder.

Every file is small (the largest, the size-limit cases, a few MB) and generated, so nothing
binary is committed. Usage: python3 make_fixtures.py OUTDIR
"""
import gzip, io, json, os, struct, sys, zipfile
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
def p(name): return os.path.join(out, name)
def write(name, data, mode="wb"):
    with open(p(name), mode) as f: f.write(data)

# --- good pieces the bad cases are built around
rng = np.random.default_rng(0)
np.save(p("W.npy"), rng.standard_normal((4, 6)).astype(np.float32))
np.save(p("X.npy"), rng.standard_normal((3, 6)).astype(np.float32))
os.symlink("X.npy", p("X-link.npy"))
np.savez(p("tiny.npz"), x_train=rng.standard_normal((20, 6)).astype(np.float32), y_train=(np.arange(20) % 3).astype(np.int64),
         x_test=rng.standard_normal((9, 6)).astype(np.float32), y_test=(np.arange(9) % 3).astype(np.int64))
np.savez(p("empty-test.npz"), x_train=rng.standard_normal((20, 6)).astype(np.float32), y_train=(np.arange(20) % 3).astype(np.int64),
         x_test=np.zeros((0, 6), np.float32), y_test=np.zeros((0,), np.int64))
write("net.yaml", "input: [6]\nlayers:\n  - {type: linear, name: fc, in_features: 6, out_features: 3}\n", "w")

# --- .npy for aimc mvm (W)
def npy_header(descr, shape, fortran=False, version=1):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    d = d + " " * (63 - (len(d) + 10) % 64) + "\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<H", len(d)) + d.encode("latin1")
good = open(p("W.npy"), "rb").read()
npy = {
    "empty-file": b"",
    "bad-magic": b"\x93NUMPX" + good[6:],
    "version-9": good[:6] + b"\x09\x00" + good[8:],
    "header-garbage": npy_header("<f4", "(4, 6)")[:10] + b"{nonsense" + b" " * 100,
    "object": npy_header("|O", "(4, 6)") + b"\0" * 192,
    "complex": npy_header("<c8", "(4, 6)") + b"\0" * 192,
    "huge-shape": npy_header("<f4", "(4294967296, 4294967296)") + b"\0" * 16,
    "overflow-shape": npy_header("<f8", "(2305843009213693952,)") + b"\0" * 16,
    "negative-shape": npy_header("<f4", "(-1, 6)") + b"\0" * 16,
    "trailing": good + b"\0" * 8,
    "int32": np.lib.format.header_data_from_array_1_0 and None,
}
npy.pop("int32")
for cut in (8, 9, 11, 20, 40, 60, 80, 100, 127, 128, 129, 150, 200, 223):
    npy["truncated-%d" % cut] = good[:cut]
for name, data in npy.items(): write("W-%s.npy" % name, data)
np.save(p("W-int32.npy"), np.ones((4, 6), np.int32))
np.save(p("W-int64.npy"), np.ones((4, 6), np.int64))
np.save(p("W-bool.npy"), np.ones((4, 6), bool))
np.save(p("W-uint8.npy"), np.ones((4, 6), np.uint8))
np.save(p("W-nan.npy"), np.full((4, 6), np.nan, np.float32))
np.save(p("W-inf.npy"), np.full((4, 6), np.inf, np.float32))
np.save(p("W-neginf64.npy"), np.full((4, 6), -np.inf, np.float64))
np.save(p("W-1e300.npy"), np.full((4, 6), 1e300, np.float64))
np.save(p("W-1e38.npy"), np.full((4, 6), 1e38, np.float32))
np.save(p("W-empty.npy"), np.zeros((0, 6), np.float32))
np.save(p("W-empty-cols.npy"), np.zeros((4, 0), np.float32))
np.save(p("W-3d.npy"), np.zeros((2, 4, 6), np.float32))
np.save(p("W-scalar.npy"), np.float32(1.0))
np.save(p("W-wrong-width.npy"), np.zeros((4, 5), np.float32))
np.save(p("X-empty.npy"), np.zeros((0, 6), np.float32))
np.save(p("X-nan.npy"), np.full((3, 6), np.nan, np.float32))
np.save(p("X-int64.npy"), np.ones((3, 6), np.int64))
np.save(p("X-3d.npy"), np.zeros((2, 3, 6), np.float32))
np.save(p("X-big.npy"), np.zeros((20000, 6), np.float32))

# --- .npz archives (network.weights)
def npz(name, entries, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(p(name), "w", compress) as z:
        for k, v in entries.items(): z.writestr(k, v)
fc_w = io.BytesIO(); np.save(fc_w, np.zeros((3, 6), np.float32)); fc_w = fc_w.getvalue()
fc_b = io.BytesIO(); np.save(fc_b, np.zeros((3,), np.float32)); fc_b = fc_b.getvalue()
bomb = npy_header("<f4", "(134217728,)")  # 512 MiB of zeros, deflated to 2.3 MB (the corpus caps memory at 256 MiB)
with zipfile.ZipFile(p("bomb.npz"), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    with z.open("fc.weight.npy", "w", force_zip64=True) as f:
        f.write(bomb)
        block = b"\0" * (1 << 24)
        for _ in range(32): f.write(block)
write("not-a-zip.npz", b"PK\x03\x04garbage" * 10)
write("empty.npz", b"")
npz("bad-entry.npz", {"fc.weight.npy": b"not npy", "fc.bias.npy": fc_b})
npz("missing-array.npz", {"fc.bias.npy": fc_b})
npz("wrong-shape.npz", {"fc.weight.npy": fc_b, "fc.bias.npy": fc_b})
npz("huge-shape.npz", {"fc.weight.npy": npy_header("<f4", "(4294967296, 4294967296)"), "fc.bias.npy": fc_b})
zb = open(p("tiny.npz"), "rb").read()
for cut in (10, 30, 100, 400, len(zb) // 2, len(zb) - 10):
    write("truncated-%d.npz" % cut, zb[:cut])
corrupt = bytearray(open(p("bad-entry.npz"), "rb").read()); corrupt[40] ^= 0xFF
write("crc.npz", bytes(corrupt))

# --- .safetensors
def st(name, header, data=b""):
    h = json.dumps(header).encode()
    write(name, struct.pack("<Q", len(h)) + h + data)
st("st-overflow.safetensors", {"fc.weight": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})
st("st-f64-2e61.safetensors", {"fc.weight": {"dtype": "F64", "shape": [2305843009213693952], "data_offsets": [0, 0]}})
st("st-negative.safetensors", {"fc.weight": {"dtype": "F32", "shape": [-3, 6], "data_offsets": [0, 0]}})
st("st-float-shape.safetensors", {"fc.weight": {"dtype": "F32", "shape": [1.5, 6], "data_offsets": [0, 0]}})
st("st-huge-number.safetensors", {"fc.weight": {"dtype": "F32", "shape": [1e30, 6], "data_offsets": [0, 0]}})
st("st-offsets-outside.safetensors", {"fc.weight": {"dtype": "F32", "shape": [3, 6], "data_offsets": [0, 72]}})
st("st-offsets-reversed.safetensors", {"fc.weight": {"dtype": "F32", "shape": [3, 6], "data_offsets": [72, 0]}}, b"\0" * 72)
st("st-dtype.safetensors", {"fc.weight": {"dtype": "C64", "shape": [3, 6], "data_offsets": [0, 144]}}, b"\0" * 144)
st("st-overlap.safetensors", {"fc.weight": {"dtype": "F32", "shape": [3, 6], "data_offsets": [0, 72]},
                              "fc.bias": {"dtype": "F32", "shape": [3], "data_offsets": [60, 72]}}, b"\0" * 72)
st("st-missing-keys.safetensors", {"fc.weight": {"dtype": "F32"}})
st("st-not-object.safetensors", [1, 2, 3])
write("st-short.safetensors", b"\x05\0\0")
write("st-header-too-long.safetensors", struct.pack("<Q", 1 << 62) + b"{}")
write("st-not-json.safetensors", struct.pack("<Q", 5) + b"{{{{{")
write("st-empty.safetensors", b"")
st("st-bad-dtype-size.safetensors", {"fc.weight": {"dtype": "F32", "shape": [3, 6], "data_offsets": [0, 71]}}, b"\0" * 72)

# --- YAML (configs and network definitions)
bomb_yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
for i in range(1, 12):
    bomb_yaml += "a%d: &a%d [*a%s, *a%s, *a%s, *a%s, *a%s, *a%s, *a%s, *a%s, *a%s, *a%s]\n" % ((i, i) + (("" if i == 1 else str(i - 1)),) * 10)
write("alias-bomb.yaml", "version: 1\n" + bomb_yaml, "w")
write("deep-flow.yaml", "version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n", "w")
write("deep-map.yaml", "version: 1\nx: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "w")
write("deep-block.yaml", "version: 1\nx:\n" + "  " + "- " * 5000 + "1\n", "w")
write("huge-list.yaml", "version: 1\nevaluation:\n  t_inference: [" + ", ".join(["1"] * 2_500_000) + "]\n", "w")
write("long-list.yaml", "version: 1\nexperiment: x\nevaluation:\n  t_inference: [" + ", ".join(["-1"] * 100_000) + "]\n", "w")
write("not-utf8.yaml", b"version: 1\nexperiment: \xff\xfe\xfa\n")
write("binary.yaml", bytes(range(256)) * 4)
write("scalar.yaml", "just a string\n", "w")
write("list.yaml", "- 1\n- 2\n", "w")
write("tabs.yaml", "version: 1\nhardware:\n\tadc: 3\n", "w")
write("dup-key.yaml", "version: 1\nseed: 1\nseed: 2\n", "w")
write("unclosed.yaml", "version: 1\nseed: [1, 2\n", "w")
write("bad-anchor.yaml", "version: 1\nseed: *nothing\n", "w")
write("complex-key.yaml", "version: 1\n? [a, b]\n: 1\n", "w")
write("unknown-key.yaml", "version: 1\nexperiment: x\nhardwar: {}\n", "w")
write("bad-version.yaml", "version: 99\nexperiment: x\n", "w")
write("include-missing.yaml", "version: 1\nexperiment: x\nhardware:\n  include: [does/not/exist.yaml]\n", "w")
write("include-self.yaml", "version: 1\nexperiment: x\nhardware:\n  include: [%s]\n" % p("include-self.yaml"), "w")
write("include-list-of-maps.yaml", "version: 1\nexperiment: x\nhardware:\n  include: [{a: 1}]\n", "w")
def netcfg(name, definition, weights=None, dataset="tiny.npz", extra=""):
    s = "version: 1\nexperiment: %s\noutput_dir: %s\ndataset: {name: arrays, path: %s}\nnetwork:\n  architecture: custom\n  definition: %s\n" % (
        name, p("never-results"), p(dataset), p(definition))
    if weights: s += "  weights: %s\n" % p(weights)
    write(name + ".yaml", s + "evaluation: {repeats: 1, t_inference: [1]}\n" + extra, "w")
for w in ["bomb.npz", "not-a-zip.npz", "empty.npz", "bad-entry.npz", "missing-array.npz", "wrong-shape.npz", "huge-shape.npz", "crc.npz",
          "st-overflow.safetensors", "st-f64-2e61.safetensors", "st-negative.safetensors", "st-float-shape.safetensors", "st-huge-number.safetensors",
          "st-offsets-outside.safetensors", "st-offsets-reversed.safetensors", "st-dtype.safetensors", "st-overlap.safetensors",
          "st-missing-keys.safetensors", "st-not-object.safetensors", "st-short.safetensors", "st-header-too-long.safetensors",
          "st-not-json.safetensors", "st-empty.safetensors", "st-bad-dtype-size.safetensors", "weights.pt", "missing.npz"] + \
         ["truncated-%d.npz" % c for c in (10, 30, 100, 400, len(zb) // 2, len(zb) - 10)]:
    netcfg("w-" + w.replace(".", "-"), "net.yaml", w)
write("weights.pt", b"\x80\x02pickle")
for d in ["alias-bomb.yaml", "deep-flow.yaml", "deep-block.yaml", "not-utf8.yaml", "scalar.yaml", "unclosed.yaml", "missing-net.yaml"]:
    netcfg("def-" + d.replace(".", "-"), d, "tiny.npz")
write("net-bad-layer.yaml", "input: [6]\nlayers:\n  - {type: lstm}\n", "w"); netcfg("def-bad-layer", "net-bad-layer.yaml")
write("net-wrong-input.yaml", "input: [7]\nlayers:\n  - {type: linear, in_features: 7, out_features: 3}\n", "w"); netcfg("def-wrong-input", "net-wrong-input.yaml")
netcfg("zero-test", "net.yaml", None, "empty-test.npz")
write("mlp-huge.yaml", "version: 1\nexperiment: huge\noutput_dir: %s\ndataset: {name: arrays, path: %s}\nnetwork: {architecture: mlp, hidden: [100000, 100000]}\n" % (p("never-results"), p("tiny.npz")), "w")
write("mlp-tiny-tiles.yaml", "version: 1\nexperiment: tt\noutput_dir: %s\ndataset: {name: arrays, path: %s}\nnetwork: {architecture: mlp, hidden: [60000, 60000]}\nhardware:\n  include: [presets/pcm-default.yaml]\n  tile: {rows: 1, columns: 1}\n" % (p("never-results"), p("tiny.npz")), "w")
write("results-is-file.yaml", "version: 1\nexperiment: rf\noutput_dir: %s\ndataset: {name: arrays, path: %s}\nnetwork: {architecture: mlp, hidden: [4]}\n" % (p("W.npy"), p("tiny.npz")), "w")

# --- IDX datasets (dataset.path folders)
def idx_dir(name, files):
    d = p("idx-" + name); os.makedirs(d, exist_ok=True)
    for fname, data in files.items(): write(os.path.join("idx-" + name, fname), data)
    write("idx-%s.yaml" % name, "version: 1\nexperiment: idx\noutput_dir: %s\ndataset: {name: fashion-mnist, path: %s}\nnetwork: {architecture: mlp, hidden: [4]}\nevaluation: {repeats: 1, t_inference: [1]}\n" % (p("never-results"), d), "w")
def idx(dims, data=None):
    h = bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", x) for x in dims)
    n = 1
    for x in dims: n *= x
    return h + (bytes(n) if data is None else data)
good_idx = {"t10k-images-idx3-ubyte": idx([5, 28, 28]), "t10k-labels-idx1-ubyte": idx([5]),
            "train-images-idx3-ubyte": idx([5, 28, 28]), "train-labels-idx1-ubyte": idx([5])}
def variant(**kw):
    d = dict(good_idx); d.update(kw); return d
# 512 MiB of zeros as 32 concatenated gzip members (IDX reads multi-member streams).
zeros = gzip.compress(bytes(1 << 24), compresslevel=1)
gz_bomb = gzip.compress(bytes([0, 0, 8, 1]) + struct.pack(">I", 0xFFFFFFFF), compresslevel=1) + zeros * 32
idx_dir("gzip-bomb", {k: v for k, v in good_idx.items() if k != "t10k-images-idx3-ubyte"} | {"t10k-images-idx3-ubyte.gz": gz_bomb})
idx_dir("bad-magic", variant(**{"t10k-images-idx3-ubyte": b"\1\2\3\4" + bytes(100)}))
idx_dir("bad-type", variant(**{"t10k-images-idx3-ubyte": bytes([0, 0, 0x0D, 3]) + bytes(100)}))
idx_dir("rank-0", variant(**{"t10k-images-idx3-ubyte": bytes([0, 0, 8, 0])}))
idx_dir("truncated", variant(**{"t10k-images-idx3-ubyte": idx([5, 28, 28])[:500]}))
idx_dir("huge-dims", variant(**{"t10k-images-idx3-ubyte": idx([0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], b"")}))
idx_dir("bad-gzip", variant(**{"t10k-images-idx3-ubyte": b"\x1f\x8b\x08\x00garbage-not-deflate"}))
idx_dir("label-mismatch", variant(**{"t10k-labels-idx1-ubyte": idx([4])}))
idx_dir("zero-test", variant(**{"t10k-images-idx3-ubyte": idx([0, 28, 28]), "t10k-labels-idx1-ubyte": idx([0])}))
idx_dir("missing", {})

# Found by make fuzz: a network definition whose mapping key is not a scalar (Yams.load trapped).
write("net-complex-key.yaml", "? [a]\n: 1\ninput: [6]\n", "w"); netcfg("def-complex-key", "net-complex-key.yaml")
write("net-dup-key.yaml", "input: [6]\ninput: [7]\nlayers: []\n", "w"); netcfg("def-dup-key", "net-dup-key.yaml")

# --- Issue 16 follow-ups
# Activations that overflow float32 in the first layer: the second layer's non-finite input
# is reported with the layer, the weights file and the config.
write("net2.yaml", "input: [6]\nlayers:\n  - {type: linear, name: fc1, in_features: 6, out_features: 4}\n  - {type: relu}\n"
      "  - {type: linear, name: fc2, in_features: 4, out_features: 3}\n", "w")
np.savez(p("overflow.npz"), **{"fc1.weight": np.full((4, 6), 3e38, np.float32), "fc1.bias": np.zeros(4, np.float32),
                               "fc2.weight": np.ones((3, 4), np.float32), "fc2.bias": np.zeros(3, np.float32)})
netcfg("run-overflow", "net2.yaml", "overflow.npz")
# Memory estimates of custom networks, before anything is built (the corpus caps memory at 256 MiB):
# a 6 → 3 000 000 → 3 dense chain (weights), a 4096-channel convolution on 8 × 8 images (activations).
write("net-huge-linear.yaml", "input: [6]\nlayers:\n  - {type: linear, in_features: 6, out_features: 3000000}\n  - {type: relu}\n"
      "  - {type: linear, in_features: 3000000, out_features: 3}\n", "w")
netcfg("mem-huge-linear", "net-huge-linear.yaml")
np.savez(p("img.npz"), x_train=rng.standard_normal((20, 1, 8, 8)).astype(np.float32), y_train=(np.arange(20) % 3).astype(np.int64),
         x_test=rng.standard_normal((9, 1, 8, 8)).astype(np.float32), y_test=(np.arange(9) % 3).astype(np.int64))
write("net-conv-huge.yaml", "input: [1, 8, 8]\nlayers:\n  - {type: conv2d, in_channels: 1, out_channels: 4096, kernel_size: 3, padding: 1}\n"
      "  - {type: relu}\n  - {type: flatten}\n  - {type: linear, in_features: 262144, out_features: 3}\n", "w")
netcfg("mem-conv-huge", "net-conv-huge.yaml", None, "img.npz")
# Result folders without a complete manifest (aimc plot refuses them).
os.makedirs(p("run-no-manifest"))
write("run-no-manifest/analog.csv", "t_inference_s,repeat,seed,accuracy_none\n1,0,1,0.5000\n", "w")
write("run-no-manifest/summary.json", "{}", "w")
os.makedirs(p("run-bad-manifest"))
write("run-bad-manifest/analog.csv", "t_inference_s,repeat,seed,accuracy_none\n1,0,1,0.5000\n", "w")
write("run-bad-manifest/manifest.json", json.dumps({"run_id": "x", "files": {"analog.csv": {"bytes": 3, "fnv1a64": "0"}}}), "w")
os.makedirs(p("sweep-no-manifest"))
write("sweep-no-manifest/sweep.csv", "point,repeat,seed,t_inference_s,compensation,accuracy,digital_accuracy\n", "w")
# A sweep file with bad sbatch options.
write("slurm-bad-key.yaml", "version: 1\nexperiment: s\nsweep:\n  grid: {hardware.adc.bits: [4, 6]}\n  slurm: {cpu_per_task: 4}\n", "w")
write("slurm-bad-time.yaml", "version: 1\nexperiment: s\nsweep:\n  grid: {hardware.adc.bits: [4, 6]}\n  slurm: {time: 2h}\n", "w")
