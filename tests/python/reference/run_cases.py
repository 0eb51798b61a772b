"""Runs the NumPy reference on parity cases written by the Java tests.

Usage: python tests/python/reference/run_cases.py DIR [DIR ...]

Each DIR holds ``case.json`` ({"op": ..., "params": {...}}) and its float64 inputs as ``NAME.npy``
(boolean masks as 0/1). The reference outputs are written next to them as ``out_NAME.npy``. A case
the reference cannot compute gets an ``error.txt`` with the traceback instead, and the other
cases still run; the exit status is 0 unless the command line itself is wrong. One process serves
every case, so NumPy/SciPy are imported once.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attentiondrop_ref as ref  # noqa: E402
import case_io  # noqa: E402


def _mask(inputs):
    m = inputs.get("mask")
    return None if m is None else m != 0


def _k(params):
    return {"k_count": params.get("k_count"), "k_fraction": params.get("k_fraction")}


def _hard_mask(p, x):
    result, cand = ref.hard_mask(x["logits"], x["u"], p["p"], p["fill"], _mask(x), **_k(p))
    return {"result": result, "candidates": cand.astype(np.float64)}


def _blur(p, x):
    return {"result": ref.blur(x["logits"], x["sigma"], p["width"], p["boundary"], _mask(x))}


def _gaussian_kernel(p, x):
    return {"weights": np.stack([ref.gaussian_kernel(s, p["width"]) for s in x["sigma"]])}


def _kl(p, x):
    return {"result": np.float64(ref.kl(x["z_p"], x["z_q"]))}


def _passes(x, prefix, count):
    return [x[f"{prefix}_{i}"] for i in range(count)]


def _consistency(p, x):
    z = _passes(x, "z", p["passes"])
    return {"result": np.float64(ref.consistency(z, p["lambda"], p["divergence"]))}


def _consistency_total(p, x):
    z = _passes(x, "z", p["passes"])
    tasks = [float(t) for t in _passes(x, "task", p["tasks"])]
    return {"result": np.float64(ref.consistency_total(tasks, z, p["lambda"], p["divergence"]))}


def _rdrop_total(p, x):
    total = ref.rdrop_total(
        float(x["task_1"]), float(x["task_2"]), x["z_1"], x["z_2"], p["alpha"]
    )
    return {"result": np.float64(total)}


def _dropout(p, x):
    return {"result": ref.dropout(x["x"], x["u"], p["rate"])}


def _drop_key(p, x):
    return {"result": ref.drop_key(x["logits"], x["u"], p["rate"], _mask(x))}


def _drop_head(p, x):
    return {"result": ref.drop_head(x["probs"], x["u"], p["rate"])}


def _drop_attention(p, x):
    return {"result": ref.drop_attention(x["probs"], x["u"], p["rate"], p["window"])}


def _relaxed(p, x):
    return {"result": ref.relaxed(x["probs"], p["gamma"], _mask(x))}


def _masked_softmax(p, x):
    return {"result": ref.masked_softmax(x["logits"], _mask(x))}


def _causal_mask(p, x):
    return {"result": ref.causal_mask(p["queries"], p["keys"]).astype(np.float64)}


def _attention(p, x):
    logits, probs, output = ref.attention(
        x["query"],
        x["key"],
        x["value"],
        _mask(x),
        hard_mask_params=p.get("hard_mask"),
        relaxed_gamma=p.get("relaxed_gamma"),
    )
    return {"logits": logits, "probabilities": probs, "output": output}


def _pipeline(p, x):
    """hard mask (u_hard) -> blur (sigma) -> masked softmax -> DropAttention (u_cols) -> A V."""
    mask = _mask(x)
    hm = p["hard_mask"]
    logits, _ = ref.hard_mask(x["logits"], x["u_hard"], hm["p"], hm["fill"], mask, **_k(hm))
    logits = ref.blur(logits, x["sigma"], p["width"], p["boundary"], mask)
    probs = ref.masked_softmax(logits, mask)
    probs = ref.drop_attention(probs, x["u_cols"], p["rate"], p["window"])
    output = np.einsum("bhqk,bhkv->bhqv", probs, x["value"])
    return {"probabilities": probs, "output": output}


OPS = {
    "hard_mask": _hard_mask,
    "blur": _blur,
    "gaussian_kernel": _gaussian_kernel,
    "kl": _kl,
    "consistency": _consistency,
    "consistency_total": _consistency_total,
    "rdrop_total": _rdrop_total,
    "dropout": _dropout,
    "drop_key": _drop_key,
    "drop_head": _drop_head,
    "drop_attention": _drop_attention,
    "relaxed": _relaxed,
    "masked_softmax": _masked_softmax,
    "causal_mask": _causal_mask,
    "attention": _attention,
    "pipeline": _pipeline,
}


def run_case(directory):
    case_io.run_op_case(directory, OPS)


if __name__ == "__main__":
    sys.exit(case_io.main(sys.argv, run_case, __doc__))
