"""The case-folder protocol shared by the Python references of the Java tests.

A case folder holds `case.json` ({"op": ..., "params": {...}}) and input `.npy` files written by
Java; a reference writes `out_NAME.npy` outputs (float64) into the same folder, or `error.txt`
with the traceback when the case fails, so the Java test can report it.
"""
from __future__ import annotations

import json
import os
import sys
import traceback

import numpy as np


def load_case(directory):
    """The case's `case.json` and its input arrays by name."""
    with open(os.path.join(directory, "case.json"), encoding="utf-8") as f:
        case = json.load(f)
    inputs = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".npy") and not name.startswith("out_"):
            inputs[name[: -len(".npy")]] = np.load(os.path.join(directory, name))
    return case, inputs


def run_op_case(directory, ops):
    """Runs the case in `directory` with `ops[case["op"]](params, inputs)` and saves its outputs."""
    case, inputs = load_case(directory)
    op = case["op"]
    if op not in ops:
        raise ValueError(f"unknown op {op!r}; known: {sorted(ops)}")
    save_outputs(directory, ops[op](case.get("params", {}), inputs))


def save_outputs(directory, outputs):
    for name, value in outputs.items():
        np.save(os.path.join(directory, f"out_{name}.npy"), np.asarray(value, dtype=np.float64))


def run_all(directories, run_case):
    """Runs every case folder; a failing case leaves error.txt and the others still run."""
    failed = 0
    for directory in directories:
        try:
            run_case(directory)
        except Exception:  # noqa: BLE001 - reported per case to the Java side
            failed += 1
            with open(os.path.join(directory, "error.txt"), "w", encoding="utf-8") as f:
                f.write(traceback.format_exc())
    print(f"{len(directories) - failed} cases computed, {failed} failed")
    return 0


def main(argv, run_case, doc):
    if len(argv) < 2:
        print(doc, file=sys.stderr)
        return 2
    return run_all(argv[1:], run_case)
