"""Independent NumPy reference of the model-zoo metrics (dev.attentiondrop.zoo.metrics).

Written from the conventions stated in the Javadoc of ``Calibration`` and ``Attacks``, not from
the Java code:

* confidence = max_c p[i, c], prediction = argmax (lowest index on ties);
* NLL = mean_i -log(max(p[i, y_i], 1e-12)); from logits, mean_i logsumexp(z_i) - z_i[y_i];
* ECE with B equal-width bins: bin b holds confidences in (b/B, (b+1)/B], bin 0 also holds 0,
  the upper edges being the float64 quotients (b+1)/B; ECE = sum_b n_b/n |acc_b - conf_b|;
* Brier = mean_i sum_c (p[i, c] - onehot(y_i)[c])^2 (multi-class, not divided by C);
* reliability: one row per bin, [lower, upper, count, mean confidence, accuracy], NaN for the
  mean confidence and accuracy of an empty bin;
* attacks on the linear-softmax model logits = reshape(x, [n, -1]) @ w + b with the loss
  L = mean_i CE(softmax(logits_i), y_i), whose input gradient is (softmax - onehot) @ w.T / n;
  FGSM x' = clip(x + eps sign(g)); PGD x = clip(proj(x0 + start)), then steps times
  x = clip(proj(x + alpha sign(g(x)))), proj clamping to [x0 - eps, x0 + eps].

Where two roads lead to the same number the module takes both and asserts that they agree
(ECE from the binned loop vs. from ``np.bincount``; NLL from ``scipy.special.log_softmax`` vs.
the explicit log-sum-exp; Brier from the one-hot difference vs. the expanded square; the
analytic gradient vs. central finite differences), so a slip in the reference shows up as an
AssertionError instead of a false agreement.

Usage: python tests/python/reference/metrics_ref.py DIR [DIR ...]. Each DIR holds ``case.json``
({"op": ..., "params": {...}}) and float64 inputs ``NAME.npy``; outputs are written as
``out_NAME.npy``, or ``error.txt`` with the traceback when the case fails.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import scipy.special

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import case_io  # noqa: E402

NLL_FLOOR = 1e-12
_CHECK = 1e-12


def _pred_conf(p):
    pred = np.argmax(p, axis=1)  # first maximal index on ties
    conf = p[np.arange(p.shape[0]), pred]
    return pred, conf


def bin_index(conf, bins):
    """Bin of each confidence: the first b with conf <= (b+1)/B; 0 goes to bin 0."""
    uppers = np.arange(1, bins + 1, dtype=np.float64) / bins
    idx = np.searchsorted(uppers, conf, side="left")
    return np.clip(idx, 0, bins - 1)


def accuracy(p, y):
    pred, _ = _pred_conf(p)
    return float(np.mean(pred == y))


def nll(p, y):
    py = p[np.arange(p.shape[0]), y]
    return float(np.mean(-np.log(np.maximum(py, NLL_FLOOR))))


def nll_from_logits(z, y):
    a = -scipy.special.log_softmax(z, axis=1)[np.arange(z.shape[0]), y]
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    b = lse - z[np.arange(z.shape[0]), y]
    assert np.allclose(a, b, rtol=_CHECK, atol=_CHECK), (a, b)
    return float(np.mean(a))


def reliability(p, y, bins):
    pred, conf = _pred_conf(p)
    correct = (pred == y).astype(np.float64)
    idx = bin_index(conf, bins)
    rows = []
    for b in range(bins):
        sel = idx == b
        n_b = int(sel.sum())
        lower, upper = b / bins, (b + 1) / bins
        if n_b == 0:
            rows.append([lower, upper, 0.0, np.nan, np.nan])
        else:
            rows.append([lower, upper, float(n_b), conf[sel].mean(), correct[sel].mean()])
    return np.array(rows, dtype=np.float64)


def ece(p, y, bins):
    n = p.shape[0]
    rel = reliability(p, y, bins)
    total = 0.0
    for lower, upper, n_b, conf_b, acc_b in rel:
        if n_b > 0:
            total += n_b / n * abs(acc_b - conf_b)
    # second road: weighted sums per bin with bincount
    pred, conf = _pred_conf(p)
    idx = bin_index(conf, bins)
    counts = np.bincount(idx, minlength=bins)
    conf_sum = np.bincount(idx, weights=conf, minlength=bins)
    acc_sum = np.bincount(idx, weights=(pred == y).astype(np.float64), minlength=bins)
    other = np.sum(np.abs(acc_sum - conf_sum)) / n
    assert abs(total - other) <= 1e-12, (total, other)
    assert counts.sum() == n
    return float(total)


def brier(p, y):
    onehot = np.eye(p.shape[1])[y]
    a = np.mean(np.sum((p - onehot) ** 2, axis=1))
    py = p[np.arange(p.shape[0]), y]
    b = np.mean(np.sum(p**2, axis=1) - 2 * py + 1)
    assert abs(a - b) <= 1e-12, (a, b)
    return float(a)


def softmax(z):
    return scipy.special.softmax(z, axis=1)


# ------------------------------------------------------------------------- attacks


def linear_loss(x, y, w, b):
    n = x.shape[0]
    z = x.reshape(n, -1) @ w + b
    return float(np.mean(-scipy.special.log_softmax(z, axis=1)[np.arange(n), y]))


def linear_grad(x, y, w, b):
    """d mean_i CE_i / d x for logits = reshape(x) @ w + b, analytically."""
    n = x.shape[0]
    z = x.reshape(n, -1) @ w + b
    g = (softmax(z) - np.eye(w.shape[1])[y]) @ w.T / n
    return g.reshape(x.shape)


def _check_grad(x, y, w, b):
    g = linear_grad(x, y, w, b)
    flat = x.reshape(-1)
    h = 1e-6
    rng = np.random.default_rng(0)
    for j in rng.choice(flat.size, size=min(flat.size, 12), replace=False):
        xp = flat.copy()
        xm = flat.copy()
        xp[j] += h
        xm[j] -= h
        fd = (linear_loss(xp.reshape(x.shape), y, w, b) - linear_loss(xm.reshape(x.shape), y, w, b)) / (2 * h)
        assert abs(fd - g.reshape(-1)[j]) <= 1e-6 * max(1.0, abs(fd)), (j, fd, g.reshape(-1)[j])
    return g


def _clip(x, clip):
    return x if clip is None else np.clip(x, clip[0], clip[1])


def fgsm(x, y, w, b, eps, clip):
    g = _check_grad(x, y, w, b)
    return _clip(x + eps * np.sign(g), clip), g


def pgd(x0, y, w, b, eps, steps, alpha, clip, start):
    x = x0 + (0 if start is None else start)
    x = _clip(np.clip(x, x0 - eps, x0 + eps), clip)
    min_abs = np.inf
    for _ in range(steps):
        g = _check_grad(x, y, w, b)
        min_abs = min(min_abs, float(np.min(np.abs(g))))
        x = x + alpha * np.sign(g)
        x = _clip(np.clip(x, x0 - eps, x0 + eps), clip)
    return x, min_abs


# ------------------------------------------------------------------------- driver


def _labels(x):
    return x["labels"].astype(np.int64)


def _calibration(params, x):
    p, y, bins = x["probabilities"], _labels(x), int(params["bins"])
    return {
        "accuracy": accuracy(p, y),
        "nll": nll(p, y),
        "ece": ece(p, y, bins),
        "brier": brier(p, y),
        "reliability": reliability(p, y, bins),
    }


def _calibration_logits(params, x):
    z, y, bins = x["logits"], _labels(x), int(params["bins"])
    p = softmax(z)
    out = _calibration(params, {"probabilities": p, "labels": x["labels"]})
    out["nll"] = nll_from_logits(z, y)
    out["probabilities"] = p
    return out


def _fgsm(params, x):
    clip = params.get("clip")
    adv, g = fgsm(x["x"], _labels(x), x["w"], x["b"], params["eps"], clip)
    return {"adversarial": adv, "gradient": g, "loss": linear_loss(x["x"], _labels(x), x["w"], x["b"])}


def _pgd(params, x):
    adv, min_abs = pgd(
        x["x"], _labels(x), x["w"], x["b"], params["eps"], int(params["steps"]),
        params["step_size"], params.get("clip"), x.get("start"),
    )
    return {"adversarial": adv, "min_abs_gradient": min_abs}


OPS = {
    "calibration": _calibration,
    "calibration_logits": _calibration_logits,
    "fgsm": _fgsm,
    "pgd": _pgd,
}


def run_case(directory):
    case_io.run_op_case(directory, OPS)


if __name__ == "__main__":
    sys.exit(case_io.main(sys.argv, run_case, __doc__))
