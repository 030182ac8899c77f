"""aimc.plot reads a results folder only when its manifest.json (written last by aimc run, sweep
and merge) is present and matches the files: a folder cut short is reported, not drawn."""
import json

import pytest

pytest.importorskip("matplotlib")
from aimc import plot  # noqa: E402

CSV = "t_inference_s,repeat,seed,accuracy_none\n1,0,7,0.5000\n86400,0,7,0.4000\n"


def _manifest(directory, files):
    entries = {name: {"bytes": len(data), "fnv1a64": plot._fnv1a64(data)} for name, data in files.items()}
    (directory / "manifest.json").write_text(json.dumps({"run_id": "test", "files": entries}))


def test_fnv1a64_matches_the_swift_writer():
    # FNV-1a 64 reference values (offset basis for b"", and the published vector for b"a").
    assert plot._fnv1a64(b"") == "cbf29ce484222325"
    assert plot._fnv1a64(b"a") == "af63dc4c8601ec8c"


def test_complete_set_is_drawn(tmp_path):
    (tmp_path / "analog.csv").write_text(CSV)
    _manifest(tmp_path, {"analog.csv": CSV.encode()})
    plot.check_result_set(tmp_path)
    assert any(p.name == "accuracy_vs_time.svg" for p in plot.plot(tmp_path, formats=("svg",), html_report=False))


def test_missing_manifest_is_reported(tmp_path):
    (tmp_path / "analog.csv").write_text(CSV)
    with pytest.raises(plot.IncompleteResults, match="no manifest.json"):
        plot.plot(tmp_path, formats=("svg",), html_report=False)
    assert not (tmp_path / "accuracy_vs_time.svg").exists()
    # Asked for explicitly, it is drawn anyway.
    assert plot.plot(tmp_path, formats=("svg",), html_report=False, check_manifest=False)


def test_changed_or_missing_file_is_reported(tmp_path):
    (tmp_path / "analog.csv").write_text(CSV)
    _manifest(tmp_path, {"analog.csv": CSV.encode(), "summary.json": b"{}"})
    with pytest.raises(plot.IncompleteResults, match="summary.json is listed in manifest.json but missing"):
        plot.check_result_set(tmp_path)
    _manifest(tmp_path, {"analog.csv": CSV.encode()})
    (tmp_path / "analog.csv").write_text(CSV.replace("0.5000", "0.6000"))  # same size, other bytes
    with pytest.raises(plot.IncompleteResults, match="analog.csv .* is not the file manifest.json lists"):
        plot.check_result_set(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    with pytest.raises(plot.IncompleteResults, match="not a manifest of aimc results"):
        plot.check_result_set(tmp_path)
