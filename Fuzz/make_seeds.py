"""Writes the committed seed corpus of `make fuzz` (Fuzz/corpus/<target>/): small valid files
of each format, a few near-misses, and the repository's YAML configs. Rerun to regenerate:
    /usr/bin/python3 Fuzz/make_seeds.py
"""
import glob, gzip, io, json, os, shutil, struct, zipfile
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
def d(t):
    p = os.path.join(here, "corpus", t); os.makedirs(p, exist_ok=True); return p
def put(t, name, data):
    with open(os.path.join(d(t), name), "wb") as f: f.write(data)

for path in sorted(glob.glob(os.path.join(root, "Experiments", "*.yaml")))[:6] + \
            [os.path.join(root, "Circuits", "presets", "pcm-default.yaml"), os.path.join(root, "Examples", "import", "lenet.yaml")]:
    shutil.copy(path, os.path.join(d("yaml"), os.path.basename(path)))
put("yaml", "anchors.yaml", b"a: &x [1, 2, {b: 3}]\nc: *x\nd: &y {e: *x}\nf: [*y, *y]\n")
put("yaml", "flow.yaml", b"{version: 1, hardware: {adc: {bits: 8}}, evaluation: {t_inference: [1, 1d]}}\n")

def npy(a):
    b = io.BytesIO(); np.save(b, a); return b.getvalue()
rng = np.random.default_rng(1)
arrays = {"f4": rng.standard_normal((3, 4)).astype("<f4"), "f8": rng.standard_normal((2, 3)).astype(">f8"),
          "i4": np.arange(5, dtype="<i4"), "i8": np.arange(6, dtype="<i8").reshape(2, 3), "u1": np.arange(4, dtype=np.uint8),
          "b1": np.array([True, False]), "fortran": np.asfortranarray(rng.standard_normal((3, 2)).astype("<f4")),
          "scalar": np.float32(2.5), "empty": np.zeros((0, 3), np.float32)}
for k, a in arrays.items(): put("npy", k + ".npy", npy(a))

for name, comp in (("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED)):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", comp) as z:
        z.writestr("W0.npy", npy(arrays["f4"])); z.writestr("b0.npy", npy(np.zeros(4, np.float32)))
    put("npz", name + ".npz", b.getvalue())

def st(header, data):
    h = json.dumps(header).encode(); h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data
put("safetensors", "f32.safetensors", st({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                                         "__metadata__": {"format": "pt"}}, arrays["f4"].tobytes()[:24]))
put("safetensors", "mixed.safetensors", st({"a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
                                           "b": {"dtype": "BF16", "shape": [2], "data_offsets": [4, 8]},
                                           "c": {"dtype": "I64", "shape": [1], "data_offsets": [8, 16]}}, bytes(range(16))))

def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", x) for x in dims) + data
put("idx", "images.idx", idx([2, 3, 3], bytes(range(18))))
put("idx", "labels.idx", idx([4], bytes([0, 1, 2, 3])))
put("idx", "images.idx.gz", gzip.compress(idx([2, 2, 2], bytes(8)), mtime=0))
put("idx", "two-members.idx.gz", gzip.compress(idx([3], b""), mtime=0) + gzip.compress(bytes([7, 8, 9]), mtime=0))
