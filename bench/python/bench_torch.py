"""PyTorch side of `attentiondrop bench`: one training step (forward, backward, Adam) of the
benchmark's transformer block, per regularizer, on CPU. Plain is
torch.nn.functional.scaled_dot_product_attention with dropout_p the Java attention dropout's
default rate (PyTorch's own attention); the regularizers are an explicit attention core below (same
math as the Java ops, defaults read from regularizer_defaults.json, generated from the Java classes). Eager mode. Prints one `RESULT {json}` line per variant.

  python bench_torch.py --seq-len 128 [--variants plain,blur] [--batch 8] [--reps 5] [--warmup 2] [--threads 2]
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

args = C.parse_args()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(args.threads)
DK = C.D_MODEL // C.HEADS


def regularize_logits(variant, logits, gen, groups):
    if variant in ("hard_mask", "hard_mask_neg_inf", "consistency"):
        with torch.no_grad():
            kth = torch.topk(logits, min(C.HARD_K, logits.shape[-1]), dim=-1, sorted=False).values.amin(-1, keepdim=True)
            drop = (logits >= kth) & (torch.rand(logits.shape, generator=gen) < C.HARD_P)
        fill = 0.0 if variant != "hard_mask_neg_inf" else C.DROP_FILL
        return logits.masked_fill(drop, fill)
    if variant == "blur":
        # As tf-ops: one product with the Toeplitz band matrix K[j', j] = G[j' - j] per group.
        sigma = (torch.rand((groups, 1), generator=gen) * C.BLUR_SIGMA_MAX).clamp_min(1e-3)
        r = (C.BLUR_W - 1) // 2
        d = torch.arange(-r, r + 1, dtype=torch.float32)
        g = torch.exp(-d.square() / (2 * sigma.square()))  # [G, w]
        g = g / g.sum(-1, keepdim=True)
        t = logits.shape[-1]
        offset = torch.arange(t)[:, None] - torch.arange(t)[None, :]
        diagonals = torch.stack([(offset == k).float() for k in range(-r, r + 1)])  # [w, T, T]
        band = torch.einsum("gw,wij->gij", g, diagonals)[:, None]  # [G, 1, T, T]
        band = band.repeat_interleave(logits.shape[0] // groups, dim=0)
        return logits @ band
    if variant == "dropkey":
        return logits.masked_fill(torch.rand(logits.shape, generator=gen) < C.DROPKEY_RATE, C.DROP_FILL)
    return logits


def regularize_probs(variant, a, gen):
    b, h, _, t = a.shape
    if variant == "drophead":
        m = (torch.rand((b, h, 1, 1), generator=gen) >= C.DROPHEAD_RATE).to(a.dtype)
        return a * m * C.HEADS / m.sum(1, keepdim=True).clamp_min(1.0)
    if variant == "dropattention":
        c = (torch.rand((b, h, 1, t), generator=gen) >= C.DROPATTENTION_RATE).to(a.dtype)
        kept = a * c
        z = kept.sum(-1, keepdim=True)
        return torch.where(z > 0, kept / torch.where(z > 0, z, torch.ones_like(z)), a)
    if variant == "relaxed":
        return (1 - C.RELAXED_GAMMA) * a + C.RELAXED_GAMMA / t
    return a


class Block(torch.nn.Module):
    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        self.ln1 = torch.nn.LayerNorm(C.D_MODEL, eps=1e-6)
        self.ln2 = torch.nn.LayerNorm(C.D_MODEL, eps=1e-6)
        self.q, self.k, self.v, self.o = (torch.nn.Linear(C.D_MODEL, C.D_MODEL) for _ in range(4))
        self.up = torch.nn.Linear(C.D_MODEL, C.MLP)
        self.down = torch.nn.Linear(C.MLP, C.D_MODEL)
        self.head = torch.nn.Linear(C.D_MODEL, C.CLASSES)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, C.HEADS, DK).transpose(1, 2)

    def forward(self, x, gen, groups=1):
        h = self.ln1(x)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        if groups > 1:  # shared prefix: x holds one copy, the passes stack after the projections
            q, k, v, x = (torch.cat([z] * groups) for z in (q, k, v, x))
        if self.variant == "plain":
            o = F.scaled_dot_product_attention(q, k, v, dropout_p=C.DROPOUT_RATE)
        else:
            logits = q @ k.transpose(-1, -2) * (1.0 / math.sqrt(DK))
            logits = regularize_logits(self.variant, logits, gen, groups)
            a = regularize_probs(self.variant, torch.softmax(logits, -1), gen)
            o = a @ v
        b, t, _ = x.shape
        r = x + self.o(o.transpose(1, 2).reshape(b, t, C.D_MODEL))
        y = r + self.down(F.gelu(self.up(self.ln2(r))))
        return self.head(y.mean(1))


def build(variant):
    torch.manual_seed(0)
    model = Block(variant).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((args.batch, args.seq_len, C.D_MODEL)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, C.CLASSES, args.batch))
    gen = torch.Generator().manual_seed(7)
    passes = 2 if variant == "consistency" else 1

    def step(i):
        opt.zero_grad(set_to_none=True)
        if passes == 1:
            loss = F.cross_entropy(model(x, gen), y)
        else:
            z1, z2 = model(x, gen, 2).chunk(2)
            lp, lq = F.log_softmax(z1, -1), F.log_softmax(z2, -1)
            loss = (F.cross_entropy(z1, y) + F.cross_entropy(z2, y)) / 2 + (lp.exp() * (lp - lq)).sum(-1).mean()
        loss.backward()
        opt.step()
        if not math.isfinite(loss.item()):
            raise RuntimeError(f"non-finite loss in step {i}")
    return step


C.run_variants(args, build, f"torch {torch.__version__}")
