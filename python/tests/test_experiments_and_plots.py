"""aimc.run and aimc.sweep through the library; figures (PDF, PNG, SVG) and the HTML report."""
import json
import os
import subprocess

import pytest

import aimc

SETTINGS = {"training.epochs": 2, "evaluation.repeats": 2, "evaluation.t_inference": (1, 86400)}


@pytest.fixture(scope="module")
def results(root, tmp_path_factory):
    """One small run and one small sweep of the digits MLP (seconds), in a temporary output_dir."""
    out = tmp_path_factory.mktemp("results")
    cwd = os.getcwd()
    os.chdir(root)  # dataset paths in Experiments/ are relative to the checkout
    try:
        cfg = "Experiments/digits-mlp-pcm.yaml"
        run = aimc.run(cfg, set=dict(SETTINGS, output_dir=str(out)))
        sweep = aimc.sweep(cfg, set=dict(SETTINGS, output_dir=str(out), **{"hardware.adc.bits": [6, 8]}))
    finally:
        os.chdir(cwd)
    return out / "digits-mlp-pcm", run, sweep


def test_run_summary_and_table(results):
    directory, run, _ = results
    assert run["experiment"] == "digits-mlp-pcm"
    assert 0.5 < run["digital"]["accuracy"] <= 1
    assert json.loads((directory / "summary.json").read_text())["repeat_seeds"] == run["repeat_seeds"]
    assert len(run.rows) == 2 * 3 * 2  # times × compensations × repeats
    pd = pytest.importorskip("pandas")
    assert isinstance(run.table, pd.DataFrame)
    assert set(run.table.columns) >= {"t_inference_s", "compensation", "repeat", "seed", "accuracy"}
    assert sorted(run.table.t_inference_s.unique()) == [1, 86400]


def test_sweep_summary_and_table(results):
    _, _, sweep = results
    assert len(sweep["points"]) == 2
    assert {r["hardware.adc.bits"] for r in sweep.rows} == {"6", "8"}
    assert len(sweep.rows) == 2 * 2 * 3 * 2


def test_bad_experiment_config(root, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nexperiment: bad\nhardware:\n  adc:\n    bitz: 3\n")
    with pytest.raises(aimc.ConfigError, match="bitz"):
        aimc.run(bad)


def test_figures_and_report(results):
    pytest.importorskip("matplotlib")
    from aimc import plot

    directory, _, _ = results
    paths = plot.plot(directory)
    names = {p.name for p in paths if p.parent == directory}
    for stem in ("accuracy_vs_time", "energy_per_inference"):
        for fmt in ("pdf", "png", "svg"):
            assert "%s.%s" % (stem, fmt) in names
    sweep = {p.name for p in paths if p.parent == directory / "sweep-hardware.adc.bits"}
    for stem in ("accuracy_vs_time", "accuracy_vs_hardware_adc_bits", "accuracy_vs_energy"):
        assert stem + ".pdf" in sweep and stem + ".png" in sweep and stem + ".svg" in sweep
    assert (directory / "accuracy_vs_time.pdf").read_bytes().startswith(b"%PDF")
    assert (directory / "accuracy_vs_time.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (directory / "accuracy_vs_time.svg").read_text()
    assert "1 d" in svg and "time since programming" in svg and "%" in svg  # log time axis, human labels
    energy_svg = (directory / "energy_per_inference.svg").read_text()
    assert "nJ" in energy_svg and "1e-0" not in energy_svg and "e+0" not in energy_svg  # SI prefixes, no exponents
    assert "ADC resolution (bits)" in (directory / "sweep-hardware.adc.bits" / "accuracy_vs_hardware_adc_bits.svg").read_text()
    html = (directory / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2
    assert "<table>" in html and "Resolved config" in html and "Machine" in html
    assert "http://" not in html and "https://" not in html  # self-contained
    assert "data:image/png;base64," in (directory / "sweep-hardware.adc.bits" / "report.html").read_text()


def test_aimc_plot_command(cli, results):
    directory, _, _ = results
    r = subprocess.run([str(cli), "plot", str(directory), "--format", "svg", "--no-html"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert str(directory / "accuracy_vs_time.svg") in r.stdout
    bad = subprocess.run([str(cli), "plot", str(directory / "nothing-here")], capture_output=True, text=True)
    assert bad.returncode != 0 and "no analog.csv or sweep.csv" in bad.stderr


def _chromium():
    import shutil
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_report_renders_in_headless_chromium(results, tmp_path):
    """The report opens in a browser: the screenshot has the window's size, text, and the
    embedded figures' colours (so the base64 images decoded)."""
    np = pytest.importorskip("numpy")
    image = pytest.importorskip("matplotlib.image")
    browser = _chromium()
    if browser is None:
        pytest.skip("no headless Chromium (Debian: apt install chromium)")
    directory, _, _ = results
    from aimc import plot

    plot.plot(directory, formats=("png",))
    shot = tmp_path / "report.png"
    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=1200,1800", "--screenshot=%s" % shot, (directory / "report.html").as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert shot.is_file(), r.stderr
    px = image.imread(str(shot))[..., :3]
    assert px.shape[:2] == (1800, 1200)
    dark = (px.max(axis=2) < 0.3).mean()
    assert dark > 0.002  # text and axes
    tab_blue = np.array([31, 119, 180]) / 255  # the first series colour of the figures
    assert (np.abs(px - tab_blue).max(axis=2) < 0.08).sum() > 50
