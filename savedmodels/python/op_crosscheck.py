"""Cross-checks the op-level SavedModels of dev.attentiondrop.savedmodels.OpExports in Python TensorFlow.

    python op_crosscheck.py OPS_DIR GOLDEN_DIR

OPS_DIR/<op>/ is one export per regularizer (serving_default: its input, float32 [B, H, Q, K] --
logits for logits regularizers, probabilities for probability regularizers -- and seed int64 [2]
-> output, the regularizer in training mode with that seed; plus sigma for blur; assets/op.json
names the input, the regularizer and its parameters). GOLDEN_DIR/<op>/ holds what Java computed by
running the same export: logits.pb, probabilities.pb (= Java's softmax(logits), the input of a
probability regularizer), seeds.pb (int64 [n, 2]) and one <output>.pb per output, stacked over the
seeds.

Checks, for every op:
  * bit-identical: Python's outputs for Java's inputs and seeds equal Java's, bit for bit;
  * probability regularizers: Python's tf.nn.softmax(logits) is within 1e-6 of Java's (softmax is
    not part of the op: its kernel is not bit-identical across TensorFlow releases);
  * statistics, sampled here with seeds Java never used:
      hard_mask: logits outside each row's top-k are untouched; inside, a changed logit holds the
                 fill value (0 or -1e9); the drop rate of the candidates is within a binomial bound
                 (z = 4.9) of p;
      blur:      sigma in [0, sigma_max) and uniform (Kolmogorov-Smirnov, alpha 1e-4); the output is
                 the zero-padded Gaussian blur of the logits with that sigma (numpy reference);
      dropkey:   a changed logit holds -1e9; drop rate within the binomial bound of the rate;
      dropout:   a kept probability is p / (1 - rate), a dropped one 0; drop rate within the bound;
      drophead:  each head is kept (scaled by H / kept) or zero; head drop rate within the bound;
      dropattention: rows sum to 1; a dropped key column is dropped for every query of its head;
      relaxed:   output = (1 - gamma) p + gamma / K, the same for every seed.
Prints a one-line JSON summary; exit status 1 on any failure, 2 on bad arguments.
"""

import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import scipy.stats  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.framework import tensor_pb2  # noqa: E402
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402

Z = 4.9
KS_ALPHA = 1e-4
DROP_FILL = np.float32(-1e9)
STAT_SEED_SALT = 7919  # seeds [i, 7919]: Java's goldens use other seeds


def read_golden(path):
    with open(path, "rb") as f:
        return tf.make_ndarray(tensor_pb2.TensorProto.FromString(f.read()))


def bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint32 if a.dtype.itemsize == 4 else np.uint64)


def binomial(name, dropped, n, p, failures):
    """Observed drops vs Binomial(n, p), within Z standard deviations."""
    sd = math.sqrt(n * p * (1 - p))
    z = (dropped - n * p) / sd if sd > 0 else 0.0
    ok = abs(z) <= Z
    if not ok:
        failures.append(f"{name}: {dropped} of {n} dropped, expected {n * p:.1f} (z = {z:.2f}, bound {Z})")
    return {"dropped": int(dropped), "n": int(n), "rate": dropped / n, "expected": p, "z": round(z, 3), "ok": ok}


class Op:
    def __init__(self, folder):
        self.folder = folder
        with open(os.path.join(folder, "assets", "op.json")) as f:
            self.info = json.load(f)
        self.name = self.info["name"]
        self.input = self.info["input"]
        self.kind = self.info["regularizer"]["name"]
        self.params = self.info["regularizer"]["params"]
        with open(os.path.join(folder, "saved_model.pb"), "rb") as f:
            meta = saved_model_pb2.SavedModel.FromString(f.read()).meta_graphs[0]
        self.method = meta.signature_def["serving_default"].method_name
        self.fn = tf.saved_model.load(folder).signatures["serving_default"]

    def __call__(self, x, seed):
        out = self.fn(**{self.input: tf.constant(x, tf.float32)}, seed=tf.constant(seed, tf.int64))
        return {k: v.numpy() for k, v in out.items()}


SOFTMAX_TOLERANCE = 1e-6


def read_inputs(op, golden_dir):
    """All goldens of one op: (input, seeds, {output: stacked values}, logits)."""
    goldens = {n[:-3]: read_golden(os.path.join(golden_dir, n)) for n in os.listdir(golden_dir) if n.endswith(".pb")}
    logits, seeds = goldens.pop("logits"), goldens.pop("seeds")
    x = goldens.pop("probabilities") if op.input == "probabilities" else logits
    return x, seeds, goldens, logits


def softmax_check(op, logits, probabilities, failures):
    """Python's softmax of the golden logits vs the probabilities Java fed the op."""
    mine = tf.nn.softmax(tf.constant(logits)).numpy()
    diff = float(np.max(np.abs(mine - probabilities)))
    differing = int(np.sum(bits(mine) != bits(probabilities)))
    if diff > SOFTMAX_TOLERANCE:
        failures.append(f"{op.name}: Python's softmax differs from Java's by {diff:.3g} > {SOFTMAX_TOLERANCE:g}")
    return {"max_abs_diff": diff, "values_not_bit_identical": differing, "n": int(probabilities.size),
            "ok": diff <= SOFTMAX_TOLERANCE}


def bit_identical(op, x, seeds, goldens, failures):
    mismatched = {}
    for i, seed in enumerate(seeds):
        out = op(x, seed)
        if set(out) != set(goldens):
            failures.append(f"{op.name}: outputs {sorted(out)}, goldens {sorted(goldens)}")
            return {"ok": False}
        for k in goldens:
            got, want = out[k], goldens[k][i]
            if got.shape != want.shape:
                failures.append(f"{op.name}.{k} seed {seed.tolist()}: shape {got.shape}, Java {want.shape}")
                mismatched[k] = mismatched.get(k, 0) + want.size
                continue
            n = int(np.sum(bits(got) != bits(want)))
            if n:
                mismatched[k] = mismatched.get(k, 0) + n
                failures.append(f"{op.name}.{k} seed {seed.tolist()}: {n} values differ from Java "
                                f"(max abs diff {float(np.max(np.abs(got - want))):.3g})")
    return {"ok": not mismatched, "seeds": len(seeds), "outputs": sorted(goldens), "mismatched_values": mismatched}


def blur_reference(x, sigma, width):
    s = max(float(sigma), 1e-3)
    r = (width - 1) // 2
    d = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-d * d / (2 * s * s))
    g /= g.sum()
    x = x.astype(np.float64)
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(r, r)])
    k = x.shape[-1]
    return sum(g[i] * padded[..., i:i + k] for i in range(width))


def statistics(op, x, failures):
    seeds = lambda n: [np.array([i, STAT_SEED_SALT], np.int64) for i in range(n)]  # noqa: E731
    p = op.params
    stats = {}
    logits = x
    if op.kind == "hard_mask":
        k, rate = int(p["k"]), float(p["p"])
        fill = np.float32(0) if p["fill"] == "zero" else DROP_FILL
        threshold = np.sort(logits, axis=-1)[..., -k][..., None]
        candidates = logits >= threshold
        dropped = n = outside = wrong = 0
        for seed in seeds(40):
            out = op(logits, seed)["output"]
            changed = bits(out) != bits(logits)
            outside += int(np.sum(changed & ~candidates))
            wrong += int(np.sum(changed & (bits(out) != bits(np.full_like(out, fill)))))
            dropped += int(np.sum(changed & candidates))
            n += int(np.sum(candidates))
        stats["changed_outside_top_k"] = outside
        stats["changed_to_other_than_fill"] = wrong
        if outside or wrong:
            failures.append(f"{op.name}: {outside} logits changed outside the top-{k}, {wrong} not set to {fill}")
        stats["drop_rate"] = binomial(op.name, dropped, n, rate, failures)
    elif op.kind == "dropkey":
        rate = float(p["rate"])
        dropped = n = wrong = 0
        for seed in seeds(40):
            out = op(logits, seed)["output"]
            changed = bits(out) != bits(logits)
            wrong += int(np.sum(changed & (out != DROP_FILL)))
            dropped += int(np.sum(changed))
            n += out.size
        stats["changed_to_other_than_fill"] = wrong
        if wrong:
            failures.append(f"{op.name}: {wrong} dropped logits are not {DROP_FILL}")
        stats["drop_rate"] = binomial(op.name, dropped, n, rate, failures)
    elif op.kind == "blur":
        sigma_max, width = float(p["sigma_max"]), int(p["w"])
        sigmas, worst = [], 0.0
        for i, seed in enumerate(seeds(400)):
            out = op(logits, seed)
            sigma = out["sigma"].reshape(-1)
            sigmas.extend(sigma.tolist())
            if i < 25:
                worst = max(worst, float(np.max(np.abs(out["output"] - blur_reference(logits, sigma[0], width)))))
        sigmas = np.array(sigmas)
        ks = scipy.stats.kstest(sigmas, "uniform", args=(0.0, sigma_max))
        in_range = bool(np.all((sigmas >= 0) & (sigmas < sigma_max)))
        stats["sigma"] = {"n": len(sigmas), "min": float(sigmas.min()), "max": float(sigmas.max()),
                          "mean": float(sigmas.mean()), "ks_statistic": float(ks.statistic),
                          "ks_pvalue": float(ks.pvalue), "alpha": KS_ALPHA}
        stats["blur_max_abs_diff_vs_numpy"] = worst
        if not in_range:
            failures.append(f"{op.name}: sigma outside [0, {sigma_max})")
        if ks.pvalue < KS_ALPHA:
            failures.append(f"{op.name}: sigma not U(0, {sigma_max}): KS p-value {ks.pvalue:.3g} < {KS_ALPHA}")
        if worst > 5e-5:
            failures.append(f"{op.name}: output differs from the numpy blur with the returned sigma by {worst:.3g}")
    elif op.kind == "dropout":
        rate = float(p["rate"])
        dropped = n = 0
        worst = 0.0
        for seed in seeds(40):
            probs, y = x, op(x, seed)["output"]
            kept = y != 0
            worst = max(worst, float(np.max(np.abs(y[kept] - probs[kept] / (1 - rate)) / probs[kept])))
            dropped += int(np.sum(~kept))
            n += y.size
        stats["kept_scale_max_rel_error"] = worst
        if worst > 1e-6:
            failures.append(f"{op.name}: kept probabilities not scaled by 1 / (1 - rate) (rel error {worst:.3g})")
        stats["drop_rate"] = binomial(op.name, dropped, n, rate, failures)
    elif op.kind == "drophead":
        rate = float(p["rate"])
        dropped = n = bad = 0
        for seed in seeds(400):
            probs, y = x, op(x, seed)["output"]
            heads = y.shape[1]
            zero = np.all(y == 0, axis=(2, 3))  # [B, H]
            kept = (~zero).sum(axis=1, keepdims=True)
            scale = heads / np.maximum(kept, 1)
            expected = np.where(zero[..., None, None], 0.0, probs * scale[..., None, None])
            bad += int(np.sum(np.abs(y - expected) > 1e-6 * np.maximum(1, np.abs(expected))))
            dropped += int(zero.sum())
            n += zero.size
        stats["values_off_head_rule"] = bad
        if bad:
            failures.append(f"{op.name}: {bad} values are neither 0 nor p * H / kept")
        stats["head_drop_rate"] = binomial(op.name, dropped, n, rate, failures)
    elif op.kind == "dropattention":
        worst_sum = 0.0
        inconsistent = 0
        dropped_columns = columns = 0
        for seed in seeds(40):
            y = op(x, seed)["output"]
            worst_sum = max(worst_sum, float(np.max(np.abs(y.sum(axis=-1) - 1))))
            zero = y == 0  # [B, H, Q, K]
            column_dropped = np.all(zero, axis=2)
            inconsistent += int(np.sum(np.any(zero, axis=2) & ~column_dropped))
            dropped_columns += int(column_dropped.sum())
            columns += column_dropped.size
        stats["row_sum_max_abs_error"] = worst_sum
        stats["partially_dropped_columns"] = inconsistent
        stats["dropped_column_fraction"] = dropped_columns / columns
        if worst_sum > 1e-5 or inconsistent:
            failures.append(f"{op.name}: rows sum to 1 within {worst_sum:.3g}; {inconsistent} columns dropped for some queries only")
    elif op.kind == "relaxed":
        gamma = float(p["gamma"])
        first = None
        worst = 0.0
        for seed in seeds(5):
            out = op(x, seed)
            expected = (1 - gamma) * x.astype(np.float64) + gamma / x.shape[-1]
            worst = max(worst, float(np.max(np.abs(out["output"] - expected))))
            if first is None:
                first = out["output"]
            elif np.any(bits(first) != bits(out["output"])):
                failures.append(f"{op.name}: output depends on the seed")
        stats["max_abs_diff_vs_formula"] = worst
        if worst > 1e-6:
            failures.append(f"{op.name}: output differs from (1 - gamma) p + gamma / K by {worst:.3g}")
    else:
        failures.append(f"{op.name}: no statistics for regularizer '{op.kind}'")
    return stats


def main(argv):
    if len(argv) != 3 or not os.path.isdir(argv[1]) or not os.path.isdir(argv[2]):
        print("usage: python op_crosscheck.py OPS_DIR GOLDEN_DIR", file=sys.stderr)
        return 2
    ops_dir, golden_dir = argv[1], argv[2]
    failures = []
    summary = {"ops": {}}
    names = sorted(n for n in os.listdir(ops_dir) if os.path.isfile(os.path.join(ops_dir, n, "assets", "op.json")))
    if not names:
        failures.append(f"{ops_dir} holds no op export (<op>/assets/op.json)")
    for name in names:
        op = Op(os.path.join(ops_dir, name))
        entry = {"regularizer": op.info["regularizer"]}
        if op.method != "tensorflow/serving/predict":
            failures.append(f"{name}: serving_default method is '{op.method}'")
        gdir = os.path.join(golden_dir, name)
        if not os.path.isdir(gdir):
            failures.append(f"{name}: no goldens in {gdir}")
            continue
        x, seeds, goldens, logits = read_inputs(op, gdir)
        entry["input"] = op.input
        entry["bit_identical"] = bit_identical(op, x, seeds, goldens, failures)
        if op.input == "probabilities":
            entry["softmax_vs_java"] = softmax_check(op, logits, x, failures)
        entry["statistics"] = statistics(op, x, failures)
        summary["ops"][name] = entry
    summary["tensorflow"] = tf.__version__
    summary["ok"] = not failures
    summary["failures"] = failures
    print(json.dumps(summary, sort_keys=True))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
