"""Markdown tables from the JSON lines of `attentiondrop bench --output FILE` (numpy-free).

  python3 bench/python/tables.py FILE
"""
import json
import sys
from collections import OrderedDict

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = [r for r in rows if r.get("median_ms") is not None]
failed = [r for r in rows if r.get("median_ms") is None]


def fmt(x, d=2):
    return "-" if x is None else f"{x:.{d}f}"


for model in ("block", "vit"):
    sel = [r for r in ok if r["model"] == model]
    if not sel:
        continue
    print(f"\n#### {model}: median ms per training step (ratio vs plain of the same runtime and mode; vs plain with XLA off)\n")
    cols = OrderedDict()
    for r in sel:
        cols.setdefault((r["runtime"], r["xla"]), None)
    cols = list(cols)
    names = {"NONE": "", "COMPILED_FUNCTION": " XLA-fn", "AUTO_CLUSTERING": " XLA-auto"}
    print("| variant | T | B | " + " | ".join(f"{rt}{names[x]}" for rt, x in cols) + " |")
    print("|---|---|---|" + "---|" * len(cols))
    keys = OrderedDict()
    for r in sel:
        keys.setdefault((r["seq_len"], r["variant"]), r["batch"])
    for (t, v), b in sorted(keys.items(), key=lambda kv: kv[0][0]):
        cells = []
        for rt, x in cols:
            m = [r for r in sel if r["runtime"] == rt and r["xla"] == x and r["seq_len"] == t and r["variant"] == v]
            if not m:
                cells.append("-")
                continue
            r = m[0]
            extra = "" if x == "NONE" else f"; {fmt(r.get('ratio_vs_plain_none'))}"
            cells.append(f"{fmt(r['median_ms'], 1)} ({fmt(r.get('ratio_vs_plain'))}{extra})")
        print(f"| {v} | {t} | {b} | " + " | ".join(cells) + " |")

print("\n#### peak RSS (MiB) and attention-matmul GFLOP/s, TF Java block\n")
print("| variant | T | xla | peak RSS MiB | attn GFLOP | GFLOP/s | % of est. peak |")
print("|---|---|---|---|---|---|---|")
for r in ok:
    if r["runtime"] == "tf-java" and r["model"] == "block":
        print(f"| {r['variant']} | {r['seq_len']} | {r['xla']} | {r['peak_rss_mb']:.0f} | {r['attn_gflop']:.3f} | "
              f"{r['attn_gflops']:.2f} | {100 * r['attn_gflops'] / r['peak_gflops_est']:.1f}% |")
if failed:
    print("\n#### failed measurements\n")
    for r in failed:
        print(f"- {r['runtime']} {r['model']} {r['variant']} T={r['seq_len']} {r['xla']}: {r.get('error')}")
