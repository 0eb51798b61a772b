"""Shared by bench_tf.py and bench_torch.py: arguments, the timing harness, peak RSS, output."""
import argparse
import json
import os
import statistics
import time

VARIANTS = ["plain", "hard_mask", "hard_mask_neg_inf", "blur", "dropkey", "drophead", "dropattention",
            "relaxed", "consistency"]
D_MODEL, HEADS, MLP, CLASSES = 64, 4, 128, 10
# regularizer parameters: the defaults of the Java regularizer classes, as generated into
# regularizer_defaults.json by model-zoo's RegularizerDefaultsTest (which fails when it is stale)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "regularizer_defaults.json")) as _f:
    DEFAULTS = json.load(_f)
HARD_K, HARD_P = DEFAULTS["hard_mask"]["k"], DEFAULTS["hard_mask"]["p"]
BLUR_SIGMA_MAX, BLUR_W = DEFAULTS["blur"]["sigma_max"], DEFAULTS["blur"]["w"]
DROPKEY_RATE = DEFAULTS["dropkey"]["rate"]
DROPOUT_RATE = DEFAULTS["dropout"]["rate"]
DROPHEAD_RATE = DEFAULTS["drophead"]["rate"]
DROPATTENTION_RATE = DEFAULTS["dropattention"]["rate"]
RELAXED_GAMMA = DEFAULTS["relaxed"]["gamma"]
DROP_FILL = -1e9


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--seq-len", type=int, required=True)
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--budget-ms", type=float, default=float("inf"))
    a = p.parse_args()
    a.variants = [v for v in a.variants.split(",") if v]
    for v in a.variants:
        if v not in VARIANTS:
            raise SystemExit(f"unknown variant {v!r}; allowed: {VARIANTS}")
    return a


def reset_peak_rss():
    """Resets VmHWM to the current RSS (Linux 4.0+); False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def status_mb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def time_steps(step, warmup, reps, budget_ms=float("inf")):
    """step(i) runs training step i and blocks until it is done. Median/min/max ms. When the
    first timed step shows that reps steps would exceed budget_ms, max(3, budget/first) are timed."""
    i = 0
    for _ in range(warmup):
        step(i)
        i += 1
    ms = []
    n = reps
    while len(ms) < n:
        t0 = time.perf_counter()
        step(i)
        ms.append((time.perf_counter() - t0) * 1e3)
        i += 1
        if len(ms) == 1 and reps > 3 and ms[0] * reps > budget_ms:
            n = max(3, min(reps, int(budget_ms / ms[0])))
    return statistics.median(ms), min(ms), max(ms), len(ms)


def emit(args, variant, timing, peak, scope, base, build_s, version):
    med, lo, hi, _ = timing
    rec = {"model": "block", "variant": variant, "seq_len": args.seq_len, "batch": args.batch,
           "median_ms": med, "min_ms": lo, "max_ms": hi, "reps": timing[3], "warmup": args.warmup,
           "peak_rss_mb": peak, "peak_rss_scope": scope, "base_rss_mb": base, "build_s": build_s,
           "threads": args.threads, "layers": 1, "version": version}
    print("RESULT " + json.dumps(rec), flush=True)


def run_variants(args, build, version, cleanup=lambda: None):
    """Builds, times and reports every variant in turn; the first step (tracing, first run) is
    counted as build time and as the first warmup step. `cleanup` frees a runtime's state."""
    import gc  # noqa: PLC0415

    base = status_mb("VmRSS:")
    for variant in args.variants:
        scope = "variant" if reset_peak_rss() else "process"
        t0 = time.perf_counter()
        step = build(variant)
        step(-1)
        build_s = time.perf_counter() - t0
        timing = time_steps(step, max(0, args.warmup - 1), args.reps, args.budget_ms)
        emit(args, variant, timing, status_mb("VmHWM:"), scope, base, build_s, version)
        del step
        cleanup()
        gc.collect()
