"""Tools/bench_table.py: BENCHMARKS.md's per-CPU tables are what the committed records give,
a record is filed under a name from its own fields, and a file that is not a record is refused."""
import glob
import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bench_table", ROOT / "Tools" / "bench_table.py")
bt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bt)


def record(**over):
    r = {
        "date": "2026-12-01T18:00:00Z", "experiment": "fashion-mlp-pcm", "architecture": "mlp", "cpu": "Test CPU 9000", "kernels": "avx2", "blas_core": "Haswell",
        "blas_config": "OpenBLAS 0.3.21", "openblas_coretype": None, "cores": 2, "threads": 2, "images": 10000,
        "batch_size": 1000, "macs_per_image": 234752, "sgemm_gflops": 100.0, "ceiling_images_per_second": 200000.0,
        "ceiling_threads": 2, "digital_images_per_second": 180000.0, "digital_threads": 2,
        "analog_images_per_second": 150000.0, "analog_over_digital": 150 / 180, "analog_over_ceiling": 0.75,
        "drift_evaluation_seconds": 2.5, "drift_evaluation_shape": "", "peak_resident_bytes": 1, "notes": {},
        "spreads": {}, "disturbed": [], "advice": [],
    }
    r.update(over)
    return r


def test_benchmarks_md_holds_the_tables_of_the_committed_records():
    records = sorted(glob.glob(str(ROOT / "Benchmarks" / "records" / "*.json")))
    doc = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    inside = doc.split(bt.BEGIN, 1)[1].split(bt.END, 1)[0]
    expected = bt.tables(bt.load(records)) if records else ""
    assert inside.strip() == expected.strip()


def test_one_table_per_cpu_rows_by_date_and_disturbed_ratios_in_brackets():
    text = bt.tables([
        record(),
        record(cpu="Other CPU", date="2026-12-02T00:00:00Z", disturbed=["the analogue runs spread by 40 %"]),
        record(date="2026-11-30T00:00:00Z", threads=1, openblas_coretype="SkylakeX", blas_core="SkylakeX"),
    ])
    assert text.count("### ") == 2
    test_cpu = text.split("### Test CPU 9000")[1]
    assert test_cpu.index("2026-11-30") < test_cpu.index("2026-12-01")
    assert "SkylakeX (OPENBLAS_CORETYPE=SkylakeX)" in text
    assert "| 0.83 | 0.75 | 2.5 s | no |" in text
    assert "| (0.83) | (0.75) |" in text.split("### Other CPU")[1]


def test_the_array_product_of_newer_records_shows_beside_the_simd_variant():
    text = bt.tables([record(array_product="int16 (vpmaddwd, AVX2)"), record(date="2026-11-30T00:00:00Z")])
    assert "| avx2, array int16 (vpmaddwd, AVX2) | 2 |" in text
    assert "| avx2 | 2 |" in text  # a record from before the field


def test_record_files_the_json_and_rewrites_the_tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "BENCHMARKS.md").write_text("intro\n%s\nold\n%s\ntail\n" % (bt.BEGIN, bt.END), encoding="utf-8")
    src = tmp_path / "bench.json"
    src.write_text(json.dumps(record()), encoding="utf-8")
    bt.main(["--record", str(src)])
    files = os.listdir(tmp_path / "Benchmarks" / "records")
    assert files == ["2026-12-01T180000-fashion-mlp-pcm-test-cpu-9000-haswell-avx2-2t.json"]
    doc = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert doc.startswith("intro\n") and doc.endswith("tail\n") and "old" not in doc and "### Test CPU 9000" in doc


def test_a_file_that_is_not_a_record_is_refused(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"cpu": "x"}), encoding="utf-8")
    with pytest.raises(SystemExit, match="not an `aimc bench --json` record"):
        bt.load([str(bad)])
