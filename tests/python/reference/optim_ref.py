"""NumPy reference of Adam and AdamW (PyTorch's formulation), for OptimizerTest.

Usage: optim_ref.py DIR  with DIR/case.json {"kind", "beta1", "beta2", "epsilon", "weight_decay"},
DIR/w0.npy (initial weights), DIR/grads.npy [steps, *w.shape], DIR/lrs.npy [steps].
Writes DIR/out_weights.npy [steps, *w.shape]: the weights after each update.
"""
import json
import sys
from pathlib import Path

import numpy as np


def run(case, w0, grads, lrs):
    w = w0.astype(np.float64).copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    b1, b2, eps, wd = case["beta1"], case["beta2"], case["epsilon"], case["weight_decay"]
    out = []
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        if case["kind"] == "adamw":
            w = w * (1 - lr * wd)  # decoupled decay, applied to the previous weights
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w.copy())
    return np.stack(out)


def main():
    for d in map(Path, sys.argv[1:]):
        case = json.loads((d / "case.json").read_text())
        out = run(case, np.load(d / "w0.npy"), np.load(d / "grads.npy"), np.load(d / "lrs.npy"))
        np.save(d / "out_weights.npy", out)


if __name__ == "__main__":
    main()
