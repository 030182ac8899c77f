#!/usr/bin/env python3
"""Regenerate the NumPy and IDX fixtures used by NumpyIOTests and IDXTests.

Run from anywhere:  python3 Tests/NetworksTests/Fixtures/make_fixtures.py
Needs NumPy (written with 2.4). Every file is deterministic: the same script
writes the same bytes, so a diff after regenerating means NumPy changed format.
The expected values are repeated by hand in the Swift tests; keep both in step.
"""
import gzip
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def deterministic_npz(name, arrays, compressed):
    """What np.savez / np.savez_compressed write, with a fixed entry timestamp.

    This repeats numpy.lib._npyio_impl._savez (zipfile, force_zip64=True local
    headers, format.write_array, ZIP_STORED or ZIP_DEFLATED) but stamps the entries
    2024-01-01 instead of now, so the fixture is byte-stable. With NumPy 2.4 the
    result differs from np.savez's output only in the date bytes.
    """
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(path(name), "w", compression=method) as zf:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            with zf.open(info, "w", force_zip64=True) as fid:
                np.lib.format.write_array(fid, np.asanyarray(value))


def main():
    # float32 2×3, C order, values exactly representable or the nearest float32.
    f32 = np.array([[1.5, -2.25, 0.1], [3e-8, 1e30, -0.0]], dtype=np.float32)
    np.save(path("f32_2x3.npy"), f32)

    # float64 3×2 in Fortran order: NumPy writes fortran_order True.
    f64 = np.asfortranarray(np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype=np.float64))
    assert f64.flags.f_contiguous and not f64.flags.c_contiguous
    np.save(path("f64_fortran_3x2.npy"), f64)

    # float64 0-d array and a float32 empty array.
    np.save(path("f64_scalar.npy"), np.array(2.5, dtype=np.float64))
    np.save(path("f32_empty.npy"), np.zeros((0,), dtype=np.float32))

    # big-endian float32 and float64.
    np.save(path("be_f4.npy"), np.array([1.0, -2.5, 3.25, 1e-3], dtype=">f4"))
    np.save(path("be_f8_2x2.npy"), np.array([[1.0, -2.5], [0.1, 1e300]], dtype=">f8"))

    # integer and boolean dtypes.
    np.save(path("i4.npy"), np.array([-7, 0, 2147483647], dtype="<i4"))
    np.save(path("i8.npy"), np.array([-1, 0, 2**40], dtype="<i8"))
    np.save(path("u1_2x2.npy"), np.array([[0, 255], [17, 128]], dtype=np.uint8))
    np.save(path("b1.npy"), np.array([True, False, True], dtype=np.bool_))

    # the same float32 2×3 array with format version 2.0 and 3.0 headers.
    for version in [(2, 0), (3, 0)]:
        with open(path(f"f32_2x3_v{version[0]}.npy"), "wb") as f:
            np.lib.format.write_array(f, f32, version=version)

    # dtypes we do not support: complex64 and an object array.
    np.save(path("c8.npy"), np.array([1 + 2j], dtype=np.complex64))
    np.save(path("object.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)

    # .npz archives: W0 float32 [4×3] and b0 float32 [4].
    layer = {
        "W0": (np.arange(12, dtype=np.float32).reshape(4, 3) / 4 - 1),
        "b0": (np.arange(4, dtype=np.float32) * 0.5 + 0.25),
    }
    assert layer["W0"].dtype == np.float32 and layer["b0"].dtype == np.float32
    deterministic_npz("layer_savez.npz", layer, compressed=False)
    deterministic_npz("layer_savez_compressed.npz", layer, compressed=True)

    # IDX (LeCun et al.): a gzip-compressed unsigned-byte rank-3 file, 2×3×4.
    dims = (2, 3, 4)
    payload = bytes((7 * i + 3) % 256 for i in range(2 * 3 * 4))
    idx = struct.pack(">BBBB", 0, 0, 0x08, len(dims)) + struct.pack(">3I", *dims) + payload
    with open(path("tiny-idx3-ubyte.gz"), "wb") as f:
        f.write(gzip.compress(idx, mtime=0))


if __name__ == "__main__":
    main()
