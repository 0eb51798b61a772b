"""Writes experiments/quick.json and experiments/full.json from one description of the methods.

Run from the repository root: python3 experiments/make_profiles.py. The JSON files are the
inputs of `attentiondrop experiment --config ...`; this script only keeps them consistent.
"""
import json
from pathlib import Path


def reg(name, **params):
    return {"name": name, "params": params}


def method(name, regularizers=(), consistency=None, residual_dropout=0.0, drop_connect=0.0, tune=None):
    m = {"name": name, "regularizers": list(regularizers), "residual_dropout": residual_dropout,
         "drop_connect": drop_connect}
    if consistency:
        m["consistency"] = consistency
    if tune:
        m["tune"] = {"target": tune[0], "values": tune[1]}
    return m


def kl(lam):
    return {"lambda": lam, "divergence": "kl", "passes": 2, "mode": "batched"}


def sym(lam):
    return {"lambda": lam, "divergence": "symmetric_kl", "passes": 2, "mode": "batched"}


def methods(rates):
    """The compared methods; `rates` are the candidate values tuned for each main rate."""
    return [
        method("none"),
        method("attention_dropout", [reg("dropout", rate=0.1)], tune=("dropout.rate", rates)),
        method("dropout_everywhere", [reg("dropout", rate=0.1)], residual_dropout=0.1, tune=("residual_dropout", rates)),
        method("dropconnect", drop_connect=0.1, tune=("drop_connect", rates)),
        method("rdrop", [reg("dropout", rate=0.1)], consistency=sym(1.0), tune=("consistency.lambda", [0.5, 2.0][:len(rates)])),
        method("hard_mask", [reg("hard_mask", k_fraction=0.25, p=0.1)], tune=("hard_mask.p", rates)),
        method("blur", [reg("blur", sigma_max=1.0, w=5)], tune=("blur.sigma_max", [0.5, 2.0][:len(rates)])),
        method("hard_consistency", [reg("hard_mask", k_fraction=0.25, p=0.1)], consistency=kl(1.0),
               tune=("consistency.lambda", [0.5, 2.0][:len(rates)])),
        method("blur_consistency", [reg("blur", sigma_max=1.0, w=5)], consistency=kl(1.0),
               tune=("consistency.lambda", [0.5, 2.0][:len(rates)])),
        method("dropkey", [reg("dropkey", rate=0.1, rate_last=0.0)], tune=("dropkey.rate", rates)),
        method("drophead", [reg("drophead", rate=0.1)], tune=("drophead.rate", rates)),
    ]


def optimizer(lr):
    return {"kind": "adamw", "learning_rate": lr, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01}


def train(dataset, epochs, batch, lr, limit):
    return {"dataset": dataset, "epochs": epochs, "batch_size": batch, "seed": 0, "optimizer": optimizer(lr),
            "warmup_fraction": 0.1, "min_lr_ratio": 0.0, "clip_norm": 1.0, "ece_bins": 15, "train_limit": limit,
            "evaluation": "test"}


def vit(image, patch, dim=32, layers=2, heads=2, mlp=64):
    return {"kind": "vit", "image_size": image, "patch_size": patch, "num_classes": 10, "model_dim": dim, "heads": heads,
            "layers": layers, "mlp_dim": mlp, "pre_norm": True, "pooling": "CLS", "residual_dropout": 0.0,
            "drop_connect": 0.0, "layer_norm_epsilon": 1e-6, "regularizers": [], "seed": 0}


def text(vocab, length, dim=32, layers=2, heads=2, mlp=64):
    return {"kind": "text", "vocabulary_size": vocab, "max_length": length, "num_classes": 2, "model_dim": dim,
            "heads": heads, "layers": layers, "mlp_dim": mlp, "pre_norm": True, "pooling": "MEAN",
            "residual_dropout": 0.0, "drop_connect": 0.0, "layer_norm_epsilon": 1e-6, "regularizers": [], "seed": 0}


def plan(dataset, model, tr, seeds, eps, pgd_steps=5, examples=200, name=None, only=None, tune=True):
    p = {"dataset": dataset, "model": model, "train": tr, "seeds": seeds, "attack_eps": eps,
         "pgd_steps": pgd_steps, "attack_examples": examples}
    if not tune:
        p["tune"] = False
    if name:
        p["name"] = name
    if only:
        p["methods"] = list(only)
    return p


def regime(tr, noise=None, validation=None, patience=0):
    """The training config `tr` with label noise and best-epoch selection."""
    tr = dict(tr)
    if noise:
        tr["label_noise"] = {"rate": noise, "kind": "symmetric"}
    if validation:
        tr["selection"] = {"validation_fraction": validation, "patience": patience}
    return tr


quick = {
    "name": "quick",
    "datasets": [
        plan("fashion-mnist-mini", vit(28, 7), train("fashion-mnist-mini", 2, 50, 2e-3, 400), 2, [0.01, 0.03], 3, 100),
        # the regime controls: label noise on the training examples, best epoch on a hold-out
        plan("fashion-mnist-mini", vit(28, 7),
             regime(train("fashion-mnist-mini", 3, 50, 2e-3, 400), noise=0.2, validation=0.2, patience=1), 1, [],
             name="fashion-mnist-mini-noise20", only=["none", "hard_mask"], tune=False),
        # IMDB (its embedded subset): the text benchmark
        plan("imdb-mini", text(2000, 64), regime(train("imdb-mini", 2, 32, 1e-3, 400), validation=0.2), 1, [],
             only=["none"]),
    ],
    "methods": methods([0.1, 0.3]),
    "sweeps": [
        {"dataset": "fashion-mnist-mini", "method": "hard_mask", "target": "hard_mask.p", "values": [0.1, 0.7], "seeds": 1},
    ],
}

# The full profile: regimes where regularization can matter (issue 12). Models large enough to fit
# their training set; the best epoch on a 10 % hold-out (early stopping), test split looked at once.
PAPER_ROWS = ["none", "attention_dropout", "rdrop", "hard_mask", "blur", "blur_consistency"]
EVERYWHERE = PAPER_ROWS + ["dropconnect"]  # the paper's rows, DropConnect and plain: every regime


def full_methods():
    ms = methods([0.1, 0.3])
    for m in ms:
        if m["name"] not in PAPER_ROWS:
            m["seeds"] = 3  # >= 5 seeds for plain and the paper's rows, 3 for the others
    return ms


def regimes(dataset, model, base, eps, examples, small, medium):
    """Small (all methods, tuned), medium, and label noise 20 % / 40 % at the small size."""
    sel = dict(validation=0.1, patience=base.pop("patience"))
    epochs_medium = base.pop("epochs_medium")
    tr = lambda limit, epochs=None, noise=None: regime(
        dict(train(dataset, epochs or base["epochs"], base["batch"], base["lr"], limit), test_limit=base["test_limit"]),
        noise=noise, **sel)
    return [
        plan(dataset, model, tr(small), 5, eps, 5, examples, name=f"{dataset}-{small // 1000}k"),
        plan(dataset, model, tr(medium, epochs_medium), 5, eps, 5, examples, name=f"{dataset}-{medium // 1000}k",
             only=EVERYWHERE, tune=False),
        plan(dataset, model, tr(small, noise=0.2), 5, eps, 5, examples, name=f"{dataset}-{small // 1000}k-noise20",
             only=EVERYWHERE, tune=False),
        plan(dataset, model, tr(small, noise=0.4), 5, eps, 5, examples, name=f"{dataset}-{small // 1000}k-noise40",
             only=EVERYWHERE, tune=False),
    ]


# Sized from one measured cell per regime kind (2026-12-02, idle 2-core VM; see docs/experiments.md):
# plain attention fits >= 98 % of its training set by the last epoch (no early stopping), while the
# kept weights are those of the best validation-NLL epoch.
full = {
    "name": "full",
    "datasets":
        regimes("fashion-mnist", vit(28, 7, dim=64, layers=4, heads=4, mlp=128),
                {"epochs": 16, "epochs_medium": 12, "batch": 32, "lr": 2e-3, "patience": 0, "test_limit": 0},
                [0.01, 0.03], 500, 1000, 4000)
        # embeddings start at N(0, 0.02^2): radii in embedding units are much smaller than pixel ones
        + regimes("imdb", text(10000, 64, dim=64, layers=2, heads=4, mlp=128),
                  {"epochs": 8, "epochs_medium": 8, "batch": 32, "lr": 3e-4, "patience": 0, "test_limit": 5000},
                  [0.002, 0.005], 300, 2000, 4000),
    "methods": full_methods(),
    "sweeps": [
        {"dataset": "fashion-mnist-1k", "method": "hard_mask", "target": "hard_mask.p", "values": [0.1, 0.3, 0.5, 0.7, 0.9], "seeds": 2},
        {"dataset": "fashion-mnist-1k", "method": "blur", "target": "blur.w", "values": [3, 5, 9, 15], "seeds": 2},
    ],
}

here = Path(__file__).parent
for profile in (quick, full):
    (here / f"{profile['name']}.json").write_text(json.dumps(profile, indent=2) + "\n")
