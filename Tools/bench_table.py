#!/usr/bin/python3
"""Per-CPU tables of `aimc bench --json` records, for BENCHMARKS.md.

Usage:
  Tools/bench_table.py Benchmarks/records/*.json            # print the tables
  Tools/bench_table.py --write BENCHMARKS.md Benchmarks/records/*.json
  Tools/bench_table.py --record bench.json   # file it as Benchmarks/records/<date>-<cpu>-<kernel>-<threads>t.json
                                             # and rewrite the tables in BENCHMARKS.md from every record
      # replace the text between the markers <!-- bench-tables:begin --> and
      # <!-- bench-tables:end --> in BENCHMARKS.md with the tables

One table per CPU model (as /proc/cpuinfo names it), one row per record, oldest first: date,
OpenBLAS kernel (openblas_get_corename, and OPENBLAS_CORETYPE when the record was made with it),
SIMD variant, threads, the experiment measured, the ceiling (sgemm calls of digital inference), digital and analogue
images/s, analogue ÷ digital and ÷ ceiling, the drift evaluation, and whether the run was
disturbed (aimc bench withholds its ratios then; the table shows them in brackets).
Standard library only.
"""
import json
import sys

BEGIN = "<!-- bench-tables:begin -->"
END = "<!-- bench-tables:end -->"


def load(paths):
    records = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            r = json.load(f)
        for key in ("date", "cpu", "blas_core", "kernels", "threads", "ceiling_images_per_second",
                    "digital_images_per_second", "analog_images_per_second", "disturbed"):
            if key not in r:
                raise SystemExit(f"{p}: not an `aimc bench --json` record of this version (no '{key}')")
        r["_path"] = p
        records.append(r)
    return records


def rate(x):
    return f"{x:,.0f}".replace(",", " ")


def tables(records):
    out = []
    for cpu in sorted({r["cpu"] for r in records}):
        rows = sorted((r for r in records if r["cpu"] == cpu), key=lambda r: (r["date"], r["threads"]))
        out.append(f"### {cpu}\n")
        out.append("| date | experiment | OpenBLAS kernel | SIMD | threads | ceiling (img/s) | digital (img/s) | analogue (img/s) "
                   "| analogue ÷ digital | analogue ÷ ceiling | drift evaluation | disturbed |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            bracket = (lambda s: f"({s})") if r["disturbed"] else (lambda s: s)
            kernel = r["blas_core"] + (f" (OPENBLAS_CORETYPE={r['openblas_coretype']})" if r.get("openblas_coretype") else "")
            drift = f"{r['drift_evaluation_seconds']:.1f} s" if r.get("drift_evaluation_seconds") is not None else "—"
            out.append(
                f"| {r['date'][:10]} | {r.get('experiment', '—')} | {kernel} | {r['kernels']}{', array ' + r['array_product'] if r.get('array_product') else ''} | {r['threads']} | {rate(r['ceiling_images_per_second'])} "
                f"| {rate(r['digital_images_per_second'])} | {rate(r['analog_images_per_second'])} "
                f"| {bracket(format(r['analog_over_digital'], '.2f'))} | {bracket(format(r['analog_over_ceiling'], '.2f'))} "
                f"| {drift} | {'; '.join(r['disturbed']) if r['disturbed'] else 'no'} |")
        out.append("")
    return "\n".join(out)


def record(path):
    import glob
    import os
    import re
    r = load([path])[0]
    slug = lambda t: re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")
    kernel = r["blas_core"] + (f"-{r['openblas_coretype']}" if r.get("openblas_coretype") else "")
    name = f"{r['date'][:19].replace(':', '')}-{slug(r.get('experiment', 'bench'))}-{slug(r['cpu'])}-{slug(kernel)}-{r['kernels']}-{r['threads']}t.json"
    os.makedirs("Benchmarks/records", exist_ok=True)
    target = os.path.join("Benchmarks/records", name)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"recorded {target}")
    main(["--write", "BENCHMARKS.md"] + sorted(glob.glob("Benchmarks/records/*.json")))


def main(argv):
    if argv[:1] == ["--record"]:
        if len(argv) != 2:
            raise SystemExit("--record needs one `aimc bench --json` file")
        return record(argv[1])
    write = None
    if argv[:1] == ["--write"]:
        if len(argv) < 2:
            raise SystemExit("--write needs a file")
        write, argv = argv[1], argv[2:]
    if not argv:
        raise SystemExit(__doc__)
    text = tables(load(argv))
    if write is None:
        print(text)
        return
    with open(write, encoding="utf-8") as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{write}: no {BEGIN} … {END} markers")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(write + ".tmp", "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + text + "\n" + END + tail)
    import os
    os.replace(write + ".tmp", write)


if __name__ == "__main__":
    main(sys.argv[1:])
