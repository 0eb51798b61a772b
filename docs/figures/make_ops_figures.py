#!/usr/bin/env python3
"""Figures for docs/ops.md: one logit row under Hard Attention Masking and under Blurred Attention
Smoothing.

The math mirrors tf-ops (HardAttentionMask.applyWithNoise, BlurredAttentionSmoothing.applyWithSigma,
Masking.maskedSoftmax) in float64 numpy; the noise u and sigma are fixed here for illustration.
Writes SVG with the standard library only (no matplotlib needed):

    python3 docs/figures/make_ops_figures.py      # from the repository root
"""
import math
import os

import numpy as np
from xml.sax.saxutils import escape

MASK_FILL = -1e30  # Masking.maskFill (float32/float64)
DROP_FILL = -1e9  # Masking.dropFill (float32/float64)
HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- the math (one query row)


def masked_softmax(row, valid):
    x = np.where(valid, row, MASK_FILL)
    e = np.exp(x - x.max())
    return e / e.sum() * valid


def candidates(row, valid, k):
    """S_i: valid keys whose logit is >= the k-th largest valid logit (ties all included)."""
    ranked = np.where(valid, row, MASK_FILL)
    kth = np.sort(ranked)[::-1][min(k, row.size) - 1]
    return valid & (ranked >= kth)


def hard_mask(row, valid, k, p, u, fill):
    drop = candidates(row, valid, k) & (u < p)
    return np.where(drop, 0.0 if fill == "ZERO" else DROP_FILL, row), drop


def gaussian_kernel(sigma, w):
    s = max(sigma, 1e-3)  # GaussianKernel.MIN_SIGMA
    d = np.arange(w) - (w - 1) // 2
    g = np.exp(-(d * d) / (2 * s * s))
    return g / g.sum()


def blur(row, valid, sigma, w, boundary):
    g = gaussian_kernel(sigma, w)
    r = (w - 1) // 2
    n = row.size
    x = np.where(valid, row, 0.0)
    v = valid.astype(float)
    out = np.zeros(n)
    mass = np.zeros(n)
    for j in range(n):
        for d in range(-r, r + 1):
            if 0 <= j + d < n:
                out[j] += g[d + r] * x[j + d]
                mass[j] += g[d + r] * v[j + d]
    if boundary == "RENORMALIZED":
        out = out / np.maximum(mass, 1e-30)
    return np.where(valid, out, row)


# ---------------------------------------------------------------- a minimal SVG bar/line chart

COLORS = ["#7f7f7f", "#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


class Panel:
    def __init__(self, x0, y0, w, h, ymin, ymax, n, title, ylabel, ticks):
        self.x0, self.y0, self.w, self.h = x0, y0, w, h
        self.ymin, self.ymax, self.n = ymin, ymax, n
        self.title, self.ylabel, self.ticks = title, ylabel, ticks
        self.items = []

    def y(self, v):
        v = min(max(v, self.ymin), self.ymax)
        return self.y0 + self.h * (self.ymax - v) / (self.ymax - self.ymin)

    def xc(self, j):
        return self.x0 + self.w * (j + 0.5) / self.n

    def frame(self, xlabels, shade=()):
        s = []
        slot = self.w / self.n
        for j in shade:
            s.append(f'<rect x="{self.x0 + j * slot:.1f}" y="{self.y0}" width="{slot:.1f}" '
                     f'height="{self.h}" fill="#eeeeee"/>')
        s.append(f'<rect x="{self.x0}" y="{self.y0}" width="{self.w}" height="{self.h}" '
                 f'fill="none" stroke="#333"/>')
        for t in self.ticks:
            yy = self.y(t)
            s.append(f'<line x1="{self.x0 - 4}" y1="{yy:.1f}" x2="{self.x0}" y2="{yy:.1f}" stroke="#333"/>')
            s.append(f'<text x="{self.x0 - 6}" y="{yy + 4:.1f}" text-anchor="end">{t:g}</text>')
        if self.ymin < 0 < self.ymax:
            yy = self.y(0)
            s.append(f'<line x1="{self.x0}" y1="{yy:.1f}" x2="{self.x0 + self.w}" y2="{yy:.1f}" '
                     f'stroke="#333" stroke-width="0.6"/>')
        for j, lab in enumerate(xlabels):
            s.append(f'<text x="{self.xc(j):.1f}" y="{self.y0 + self.h + 14}" text-anchor="middle">{lab}</text>')
        s.append(f'<text x="{self.x0 + self.w / 2:.1f}" y="{self.y0 - 8}" text-anchor="middle" '
                 f'font-weight="bold">{escape(self.title)}</text>')
        cx, cy = self.x0 - 34, self.y0 + self.h / 2
        s.append(f'<text x="{cx}" y="{cy}" text-anchor="middle" transform="rotate(-90 {cx} {cy})">'
                 f'{self.ylabel}</text>')
        s.append(f'<text x="{self.x0 + self.w / 2:.1f}" y="{self.y0 + self.h + 30}" '
                 f'text-anchor="middle">key j</text>')
        return s

    def bars(self, series, outline=None, notes=None):
        """series: list of (label, values); outline[j] marks bars of the first series."""
        s = []
        slot = self.w / self.n
        bw = slot * 0.8 / len(series)
        for si, (_, vals) in enumerate(series):
            for j, v in enumerate(vals):
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    continue
                x = self.x0 + j * slot + slot * 0.1 + si * bw
                top, bot = self.y(max(v, 0)), self.y(min(v, 0))
                extra = ''
                if outline is not None and si == 0 and outline[j]:
                    extra = ' stroke="#000" stroke-width="1.5"'
                s.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{bw:.1f}" '
                         f'height="{max(bot - top, 0.5):.1f}" fill="{COLORS[si]}"{extra}/>')
        for (j, si, text) in notes or []:
            x = self.x0 + j * slot + slot * 0.1 + (si + 0.5) * bw
            s.append(f'<text x="{x:.1f}" y="{self.y(0) - 4:.1f}" text-anchor="middle" '
                     f'fill="{COLORS[si]}" font-size="10">{text}</text>')
        return s

    def lines(self, series, valid):
        s = []
        for si, (_, vals) in enumerate(series):
            pts = [(self.xc(j), self.y(v)) for j, v in enumerate(vals) if valid[j]]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            dash = ' stroke-dasharray="5,3"' if si == 2 else ''
            s.append(f'<polyline points="{path}" fill="none" stroke="{COLORS[si]}" stroke-width="1.8"{dash}/>')
            for x, y in pts:
                s.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{COLORS[si]}"/>')
        return s


def legend(x, y, labels, extra=()):
    s = []
    for i, lab in enumerate(labels):
        yy = y + 16 * i
        s.append(f'<rect x="{x}" y="{yy - 9}" width="12" height="10" fill="{COLORS[i]}"/>')
        s.append(f'<text x="{x + 17}" y="{yy}">{escape(lab)}</text>')
    for i, lab in enumerate(extra):
        s.append(f'<text x="{x}" y="{y + 16 * (len(labels) + i)}">{escape(lab)}</text>')
    return s


def write_svg(name, width, height, body):
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="11">'
            f'<rect width="{width}" height="{height}" fill="white"/>')
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        f.write(head + "\n" + "\n".join(body) + "\n</svg>\n")
    print("wrote", os.path.relpath(path))


# ---------------------------------------------------------------- figure 1: Hard Attention Masking


def hard_masking_figure():
    row = np.array([1.8, -0.3, 0.9, -1.4, -0.6, 2.4, -2.0, -0.9, 0.4, -1.1])
    valid = np.ones(row.size, bool)
    k, p = 5, 0.5
    u = np.array([0.9, 0.1, 0.7, 0.2, 0.3, 0.05, 0.4, 0.8, 0.6, 0.1])  # fixed "noise"
    cand = candidates(row, valid, k)
    zero, drop = hard_mask(row, valid, k, p, u, "ZERO")
    neginf, _ = hard_mask(row, valid, k, p, u, "NEG_INF")
    labels = [str(j) for j in range(row.size)]

    a = Panel(70, 40, 400, 230, -2.5, 3.0, row.size,
              f"(a) logits, top-{k} candidates outlined", "logit", [-2, -1, 0, 1, 2, 3])
    notes = [(j, 2, "excl.") for j in range(row.size) if drop[j]]
    body = a.frame(labels)
    body += a.bars([("L", list(row)), ("ZERO", list(zero)),
                    ("NEG_INF", [None if v == DROP_FILL else float(v) for v in neginf])],
                   outline=cand, notes=notes)

    probs = [masked_softmax(x, valid) for x in (row, zero, neginf)]
    b = Panel(560, 40, 400, 230, 0.0, 0.6, row.size, "(b) probabilities A = softmax(L)",
              "probability", [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    body += b.frame(labels)
    body += b.bars([("A", list(probs[0])), ("ZERO", list(probs[1])), ("NEG_INF", list(probs[2]))])
    body += legend(980, 60, ["L / A: plain", "fill ZERO (paper): L'=M*L", "fill NEG_INF: excluded"],
                   extra=[f"k = {k}, p = {p}", "dropped here: keys 1 and 5",
                          "(u_1, u_5 < p; u fixed)", "key 1 is negative: ZERO",
                          "raises its weight"])
    write_svg("hard_masking.svg", 1200, 320, body)


# ---------------------------------------------------------------- figure 2: Blurred Attention Smoothing


def blur_figure():
    # query 6 of a causal row: keys 7..9 are masked (their logits are large on purpose).
    row = np.array([0.2, -0.5, 0.1, 3.5, 0.0, -0.3, 1.5, 2.0, -1.0, 5.0])
    valid = np.arange(row.size) <= 6
    sigma, w = 1.0, 5
    zp = blur(row, valid, sigma, w, "ZERO_PAD")
    rn = blur(row, valid, sigma, w, "RENORMALIZED")
    labels = [str(j) for j in range(row.size)]
    shade = [j for j in range(row.size) if not valid[j]]

    a = Panel(70, 40, 400, 230, -1.0, 4.0, row.size,
              f"(a) logits, w = {w}, sigma = {sigma:g}", "logit", [-1, 0, 1, 2, 3, 4])
    body = a.frame(labels, shade)
    body += a.lines([("L", list(row)), ("ZERO_PAD", list(zp)), ("RENORMALIZED", list(rn))], valid)
    body.append(f'<text x="{a.xc(8):.1f}" y="{a.y0 + 16}" text-anchor="middle">masked keys</text>')
    body.append(f'<text x="{a.xc(8):.1f}" y="{a.y0 + 30}" text-anchor="middle">(logits 2, -1, 5</text>')
    body.append(f'<text x="{a.xc(8):.1f}" y="{a.y0 + 44}" text-anchor="middle">never read)</text>')

    probs = [masked_softmax(x, valid) for x in (row, zp, rn)]
    b = Panel(560, 40, 400, 230, 0.0, 0.8, row.size, "(b) probabilities", "probability",
              [0, 0.2, 0.4, 0.6, 0.8])
    body += b.frame(labels, shade)
    body += b.bars([("A", list(probs[0])), ("ZERO_PAD", list(probs[1])),
                    ("RENORMALIZED", list(probs[2]))])
    g = gaussian_kernel(sigma, w)
    body += legend(980, 60, ["L / A: plain", "ZERO_PAD (paper's implied)", "RENORMALIZED (dashed)"],
                   extra=["G = (" + ", ".join(f"{x:.3f}" for x in g) + ")",
                          "causal row: query 6,", "keys 7..9 masked (grey)",
                          "ZERO_PAD pulls key 6", "toward 0 (missing right",
                          "neighbours count as 0)"])
    write_svg("blur.svg", 1200, 320, body)


if __name__ == "__main__":
    hard_masking_figure()
    blur_figure()
