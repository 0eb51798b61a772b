"""Independent NumPy/SciPy reference of the tf-ops attention regularizers.

Written from the math stated in the Javadoc of each Java class, not from the Java code. Every
function takes its randomness explicitly (uniform noise ``u``, blur ``sigma``), works in float64
and returns NumPy arrays. Shapes follow the Java convention ``[batch, heads, queries, keys]``;
a key mask is a boolean array broadcastable to that shape (``None``: every key is valid).

Where NumPy offers two roads to the same number, the module takes one and checks it against
the other (Gaussian window vs. the closed form, ``np.convolve`` vs. ``scipy.ndimage``,
``scipy.stats.entropy`` vs. ``scipy.special.rel_entr`` / ``log_softmax``), so a slip in the
reference itself shows up as an AssertionError rather than as a false agreement.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.ndimage
import scipy.signal.windows
import scipy.special
import scipy.stats

# Constants stated in the Javadoc (dev.attentiondrop.ops.Masking, blur.GaussianKernel).
DROP_FILL = -1e9  # an excluded ("-inf") logit, float32/float64
MIN_SIGMA = 1e-3  # sigma is clamped to at least this before the kernel is formed
FRACTION_EPS = 1e-9  # k_i = ceil(f * n_i - 1e-9)

_CROSS_CHECK_RTOL = 1e-12
_CROSS_CHECK_ATOL = 1e-12


def _valid(mask, shape):
    """The key mask broadcast to ``shape`` as booleans (all True when ``mask`` is None)."""
    if mask is None:
        return np.ones(shape, dtype=bool)
    return np.broadcast_to(np.asarray(mask) != 0, shape)


def _rows(x):
    """A view of ``x`` as rows of its last axis: shape [rows, keys]."""
    return x.reshape(-1, x.shape[-1])


# --------------------------------------------------------------------------------------------
# Masked softmax
# --------------------------------------------------------------------------------------------


def masked_softmax(logits, mask=None):
    """softmax over the valid keys of each row; exactly 0 on masked keys; a row with no valid
    key is all zeros. Masked logits are never read (they may be NaN)."""
    logits = np.asarray(logits, dtype=np.float64)
    valid = _valid(mask, logits.shape)
    z = np.where(valid, logits, -np.inf)
    out = np.zeros_like(logits)
    any_valid = valid.any(axis=-1)
    with np.errstate(invalid="ignore"):
        soft = scipy.special.softmax(z, axis=-1)
    out[any_valid] = soft[any_valid]
    return np.where(valid, out, 0.0)


# --------------------------------------------------------------------------------------------
# Hard Attention Masking
# --------------------------------------------------------------------------------------------


def hard_mask_candidates(logits, mask=None, k_count=None, k_fraction=None):
    """S_i: the valid keys whose logit is >= the k-th largest valid logit of row i (ties with the
    k-th are candidates too). k_i = min(k, n_i) for a count; ceil(f * n_i - 1e-9) for a
    fraction; a row with n_i = 0 (or k_i = 0) has no candidate."""
    if (k_count is None) == (k_fraction is None):
        raise ValueError("exactly one of k_count, k_fraction")
    logits = np.asarray(logits, dtype=np.float64)
    valid = _valid(mask, logits.shape)
    cand = np.zeros(logits.shape, dtype=bool)
    rows_l, rows_v, rows_c = _rows(logits), _rows(np.ascontiguousarray(valid)), _rows(cand)
    for r in range(rows_l.shape[0]):
        vals = rows_l[r][rows_v[r]]
        n = vals.size
        if k_count is not None:
            k = min(int(k_count), n)
        else:
            k = math.ceil(k_fraction * n - FRACTION_EPS) if n > 0 else 0
            k = max(k, 0)
        if n == 0 or k == 0:
            continue
        if k_count is not None:
            # np.partition: element n-k is the k-th largest
            kth = np.partition(vals, n - k)[n - k]
        else:
            kth = np.sort(vals)[::-1][k - 1]
        rows_c[r] = rows_v[r] & (rows_l[r] >= kth)
    return cand


def hard_mask(logits, u, p, fill, mask=None, k_count=None, k_fraction=None):
    """L'_ij = (0 | -inf) where j in S_i and u_ij < p; L_ij elsewhere (no rescaling)."""
    logits = np.asarray(logits, dtype=np.float64)
    cand = hard_mask_candidates(logits, mask, k_count, k_fraction)
    drop = cand & (np.broadcast_to(u, logits.shape) < p)
    if fill == "ZERO":
        filled = 0.0
    elif fill == "NEG_INF":
        filled = DROP_FILL
    else:
        raise ValueError(f"fill {fill!r}")
    return np.where(drop, filled, logits), cand


# --------------------------------------------------------------------------------------------
# Blurred Attention Smoothing
# --------------------------------------------------------------------------------------------


def gaussian_kernel(sigma, width):
    """G_d = exp(-d^2 / (2 s^2)) / sum_e exp(-e^2 / (2 s^2)), d = -r..r, s = max(sigma, 1e-3).

    Computed as a normalized scipy.signal.windows.gaussian and checked against the closed form."""
    if width < 1 or width % 2 == 0:
        raise ValueError(f"width must be odd and >= 1, got {width}")
    s = max(float(sigma), MIN_SIGMA)
    with np.errstate(under="ignore"):
        win = scipy.signal.windows.gaussian(width, std=s, sym=True)
        g = win / win.sum()
        r = (width - 1) // 2
        d = np.arange(-r, r + 1, dtype=np.float64)
        closed = np.exp(-(d**2) / (2.0 * s * s))
    closed = closed / closed.sum()
    np.testing.assert_allclose(g, closed, rtol=_CROSS_CHECK_RTOL, atol=_CROSS_CHECK_ATOL)
    return g


def _same_conv(row, g):
    """Zero-padded 'same' convolution of a row with an odd kernel, output as long as the row
    (also when the kernel is longer than the row)."""
    r = (g.size - 1) // 2
    full = np.convolve(row, g, mode="full")
    return full[r : r + row.size]


def blur(logits, sigma, width, boundary, mask=None):
    """L''_ij = sum_d G_d V_{i,j+d} L_{i,j+d}                  (ZERO_PAD)
    L''_ij = sum_d G_d V L / sum_d G_d V_{i,j+d}                 (RENORMALIZED)
    V = 1 on valid, in-range keys; masked positions are returned unchanged; sigma broadcasts
    against [batch, heads, 1, 1]."""
    logits = np.asarray(logits, dtype=np.float64)
    valid = np.ascontiguousarray(_valid(mask, logits.shape))
    sig = np.broadcast_to(np.asarray(sigma, dtype=np.float64), logits.shape[:2] + (1, 1))
    out = logits.copy()
    b, h, q, _ = logits.shape
    for bi in range(b):
        for hi in range(h):
            g = gaussian_kernel(sig[bi, hi, 0, 0], width)
            for qi in range(q):
                v = valid[bi, hi, qi].astype(np.float64)
                x = np.where(valid[bi, hi, qi], logits[bi, hi, qi], 0.0)
                num = _same_conv(x, g)
                # Cross-check with scipy.ndimage (true convolution, zero outside the row).
                np.testing.assert_allclose(
                    num,
                    scipy.ndimage.convolve1d(x, g, mode="constant", cval=0.0),
                    rtol=_CROSS_CHECK_RTOL,
                    atol=1e-12,
                )
                if boundary == "ZERO_PAD":
                    res = num
                elif boundary == "RENORMALIZED":
                    den = _same_conv(v, g)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        res = num / den
                else:
                    raise ValueError(f"boundary {boundary!r}")
                out[bi, hi, qi] = np.where(valid[bi, hi, qi], res, logits[bi, hi, qi])
    return out


# --------------------------------------------------------------------------------------------
# Consistency (KL, symmetric KL, K passes), R-Drop
# --------------------------------------------------------------------------------------------


def kl(z_p, z_q):
    """KL(softmax(z_p) || softmax(z_q)) summed over the last axis, averaged over all others."""
    z_p = np.asarray(z_p, dtype=np.float64)
    z_q = np.asarray(z_q, dtype=np.float64)
    p = scipy.special.softmax(z_p, axis=-1)
    q = scipy.special.softmax(z_q, axis=-1)
    per_row = scipy.stats.entropy(p, q, axis=-1)
    # Cross-checks: rel_entr, and the log-softmax form sum P (log P - log Q).
    np.testing.assert_allclose(
        per_row, scipy.special.rel_entr(p, q).sum(axis=-1), rtol=1e-9, atol=1e-12
    )
    log_p = scipy.special.log_softmax(z_p, axis=-1)
    log_q = scipy.special.log_softmax(z_q, axis=-1)
    log_form = (p * (log_p - log_q)).sum(axis=-1)
    np.testing.assert_allclose(per_row, log_form, rtol=1e-9, atol=1e-12)
    return float(np.mean(per_row))


def divergence(z_p, z_q, kind):
    if kind == "KL":
        return kl(z_p, z_q)
    if kind == "SYMMETRIC_KL":
        return 0.5 * (kl(z_p, z_q) + kl(z_q, z_p))
    raise ValueError(f"divergence {kind!r}")


def consistency(passes, lam, kind):
    """lambda * mean over pairs a < b of D(z_a, z_b), K = len(passes) >= 2."""
    if len(passes) < 2:
        raise ValueError("K >= 2 passes")
    pairs = [
        divergence(passes[a], passes[b], kind)
        for a in range(len(passes))
        for b in range(a + 1, len(passes))
    ]
    return lam * float(np.mean(pairs))


def consistency_total(task_losses, passes, lam, kind):
    """mean of the per-pass task losses + the consistency term."""
    return float(np.mean(task_losses)) + consistency(passes, lam, kind)


def rdrop_total(task1, task2, z1, z2, alpha):
    """(CE_1 + CE_2) / 2 + alpha * (KL(P1||P2) + KL(P2||P1)) / 2."""
    return 0.5 * (task1 + task2) + alpha * 0.5 * (kl(z1, z2) + kl(z2, z1))


# --------------------------------------------------------------------------------------------
# Baselines and "beyond" regularizers
# --------------------------------------------------------------------------------------------


def dropout(x, u, rate):
    """Inverted dropout: x * [u >= rate] / (1 - rate)."""
    x = np.asarray(x, dtype=np.float64)
    keep = np.asarray(u) >= rate
    return np.where(keep, x / (1.0 - rate), 0.0)


def drop_key(logits, u, rate, mask=None):
    """Valid (i, j) with u_ij < rate becomes -inf (DROP_FILL); everything else unchanged."""
    logits = np.asarray(logits, dtype=np.float64)
    valid = _valid(mask, logits.shape)
    return np.where(valid & (np.asarray(u) < rate), DROP_FILL, logits)


def drop_head(probs, u, rate):
    """A'_bh = A_bh m_bh H / max(1, sum_h m_bh), m = [u >= rate], u of shape [B, H, 1, 1]."""
    probs = np.asarray(probs, dtype=np.float64)
    heads = probs.shape[1]
    m = (np.asarray(u) >= rate).astype(np.float64)  # [B, H, 1, 1]
    kept = m.sum(axis=1, keepdims=True)
    return probs * m * heads / np.maximum(kept, 1.0)


def drop_attention(probs, u, rate, window):
    """s_j = [u_j < rate / window]; column j dropped if any of s_{j-window+1..j}; rows of the kept
    columns renormalized; a row whose kept mass is 0 keeps its original probabilities.
    u has shape [B, H, 1, K]."""
    probs = np.asarray(probs, dtype=np.float64)
    starts = (np.asarray(u) < rate / window).astype(np.float64)
    b, h, _, k = starts.shape
    dropped = np.zeros_like(starts, dtype=bool)
    for bi in range(b):
        for hi in range(h):
            # trailing window sum: number of starts among s_{j-window+1} .. s_j
            trailing = np.convolve(starts[bi, hi, 0], np.ones(window), mode="full")[:k]
            dropped[bi, hi, 0] = trailing > 0.5
    kept = np.where(dropped, 0.0, probs)
    row_sum = kept.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        renorm = kept / row_sum
    return np.where(row_sum > 0, renorm, probs)


def relaxed(probs, gamma, mask=None):
    """A'_ij = (1 - gamma) A_ij + gamma V_ij / n_i; a row with no valid key stays as it is (0)."""
    probs = np.asarray(probs, dtype=np.float64)
    valid = _valid(mask, probs.shape).astype(np.float64)
    n = valid.sum(axis=-1, keepdims=True)
    uniform = np.divide(valid, n, out=np.zeros_like(valid), where=n > 0)
    return (1.0 - gamma) * probs + gamma * uniform


def causal_mask(queries, keys):
    """[1, 1, Q, K]: query i may see key j iff j <= i + (K - Q)."""
    return np.tril(np.ones((queries, keys), dtype=bool), k=keys - queries)[None, None]


# --------------------------------------------------------------------------------------------
# Scaled dot-product attention
# --------------------------------------------------------------------------------------------


def attention(query, key, value, mask=None, hard_mask_params=None, relaxed_gamma=None):
    """L = Q K^T / sqrt(d_k); optional hard mask with every candidate dropped (p = 1, the only
    noise-free setting); A = masked softmax; optional relaxed attention; O = A V."""
    query = np.asarray(query, dtype=np.float64)
    key = np.asarray(key, dtype=np.float64)
    value = np.asarray(value, dtype=np.float64)
    d_k = query.shape[-1]
    logits = np.einsum("bhqd,bhkd->bhqk", query, key) / math.sqrt(d_k)
    regularized = logits
    if hard_mask_params is not None:
        hp = dict(hard_mask_params)
        regularized, _ = hard_mask(
            logits,
            np.zeros(logits.shape),
            hp["p"],
            hp["fill"],
            mask,
            k_count=hp.get("k_count"),
            k_fraction=hp.get("k_fraction"),
        )
    probs = masked_softmax(regularized, mask)
    if relaxed_gamma is not None:
        probs = relaxed(probs, relaxed_gamma, mask)
    output = np.einsum("bhqk,bhkv->bhqv", probs, value)
    return logits, probs, output
