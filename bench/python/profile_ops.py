"""Per-kernel profile of the benchmark's block training step in Python TF, the counterpart of
dev.attentiondrop.bench.profile.OpProfileRun (`attentiondrop bench --op-profile FILE` runs it).

Two forms, same shapes and thread settings:
  same_graph  the GraphDef TF Java built (a manifest written by OpProfileRun names its feeds, fetch,
              train target and initializers), imported into a tf.compat.v1.Session and traced with
              RunOptions FULL_TRACE: step_stats, aggregated as the Java side does (kernel time =
              op_end - op_start, op type from the executed partition graph); also traced by the TF
              profiler (xplane), to calibrate the two timing methods against each other.
  keras       bench_tf.py's own model and tf.function train step, traced by the TF profiler (a
              tf.function has no RunMetadata step stats in TF 2.x): per kernel the TraceMe events
              "node:OpType" of the executor threads.

  python profile_ops.py --manifests a.json,b.json --keras-variants plain,blur --seq-lens 128,512 \
      [--batch 8] [--threads 2] [--warmup 5] [--steps 10] --out profile.json
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

p = argparse.ArgumentParser()
p.add_argument("--manifests", default="")
p.add_argument("--keras-variants", default="")
p.add_argument("--seq-lens", default="128,512")
p.add_argument("--batch", type=int, default=8)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--warmup", type=int, default=5)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--out", default=None)
p.add_argument("--time-only", action="store_true",
               help="no tracing: print one RESULT line per form with the untraced median step time")
args = p.parse_args()
ENV_KEYS = ["TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
            "TF_NUM_INTEROP_THREADS", "OMP_WAIT_POLICY"]
env = {k: os.environ.get(k, "unset") for k in ENV_KEYS}
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
lens = [int(t) for t in args.seq_lens.split(",") if t]
# bench_tf reads its arguments at import (and sets the thread counts before TF starts)
sys.argv = ["bench_tf.py", "--seq-len", str(lens[0]), "--batch", str(args.batch), "--threads", str(args.threads)]
import bench_tf  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

try:
    from tensorflow.python.util import _pywrap_util_port
    onednn = bool(_pywrap_util_port.IsMklEnabled())
except Exception:  # noqa: BLE001
    onednn = None


def type_from_label(label):
    if " = " not in label:
        return label or "?"
    rest = label.split(" = ", 1)[1]
    return rest.split("(", 1)[0].strip()


def aggregate_step_stats(mds):
    op_of, executed = {}, {}
    for md in mds:
        if md.partition_graphs and not executed:
            for g in md.partition_graphs:
                for n in g.node:
                    op_of[n.name] = n.op
                    executed[n.op] = executed.get(n.op, 0) + 1
    by_type, by_node, node_type, per_step = {}, {}, {}, {}
    kernel, span = 0.0, 0.0
    for si, md in enumerate(mds):
        first, last = None, None
        for dev in md.step_stats.dev_stats:
            for n in dev.node_stats:
                t = op_of.get(n.node_name, type_from_label(n.timeline_label))
                if n.op_end_rel_nanos or n.op_start_rel_nanos:
                    ms = max(0, n.op_end_rel_nanos - n.op_start_rel_nanos) / 1e6
                else:
                    ms = max(0, n.op_end_rel_micros - n.op_start_rel_micros) / 1e3
                kernel += ms
                a = by_type.setdefault(t, [0.0, 0])
                a[0] += ms
                a[1] += 1
                per_step.setdefault(t, [0.0] * len(mds))[si] += ms
                by_node[n.node_name] = by_node.get(n.node_name, 0.0) + ms
                node_type[n.node_name] = t
                start = n.all_start_nanos or n.all_start_micros * 1000
                end = start + (n.all_end_rel_nanos or n.all_end_rel_micros * 1000)
                first = start if first is None else min(first, start)
                last = end if last is None else max(last, end)
        if first is not None:
            span += (last - first) / 1e6
    return summary(len(mds), kernel, span, by_type, by_node, node_type, executed, per_step)


def summary(steps, kernel, span, by_type, by_node, node_type, executed, per_step=None):
    """per_step: op type -> its ms in each step, for the median (robust to a preempted step)."""
    types = sorted(({"op": k, "ms": v[0] / steps, "kernels": v[1] / steps,
                     "ms_median": statistics.median(per_step[k]) if per_step else None}
                    for k, v in by_type.items()),
                   key=lambda r: -r["ms"])
    nodes = sorted(({"node": k, "op": node_type[k], "ms": v / steps} for k, v in by_node.items()),
                   key=lambda r: -r["ms"])[:25]
    return {"steps": steps, "kernel_ms_per_step": kernel / steps, "span_ms_per_step": None if span is None else span / steps,
            "op_types": types, "top_nodes": nodes, "executed_op_counts": dict(sorted(executed.items()))}


SKIP = ("ThreadpoolListener", "ExecutorState", "EagerKernelExecute", "FunctionRun")


def traced_xplane(run_steps, steps):
    """Runs run_steps() under the TF profiler; per-kernel "node:OpType" events of the executor."""
    d = tempfile.mkdtemp(prefix="xplane-")
    try:
        tf.profiler.experimental.start(d, options=tf.profiler.experimental.ProfilerOptions(
            host_tracer_level=2, python_tracer_level=0, device_tracer_level=0))
        try:
            run_steps()
        finally:
            tf.profiler.experimental.stop()
        files = glob.glob(os.path.join(d, "**", "*.xplane.pb"), recursive=True)
        xs = xplane_pb2.XSpace()
        with open(files[0], "rb") as f:
            xs.ParseFromString(f.read())
    finally:
        shutil.rmtree(d, ignore_errors=True)
    by_type, by_node, node_type, executed = {}, {}, {}, {}
    kernel = 0.0
    for plane in xs.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            if line.name == "python":
                continue
            for e in line.events:
                name = plane.event_metadata[e.metadata_id].name
                if ":" not in name or "::" in name or name.startswith(SKIP):
                    continue
                node, t = name.rsplit(":", 1)
                ms = e.duration_ps / 1e9
                kernel += ms
                a = by_type.setdefault(t, [0.0, 0])
                a[0] += ms
                a[1] += 1
                by_node[node] = by_node.get(node, 0.0) + ms
                node_type[node] = t
    for k, v in by_type.items():
        executed[k] = round(v[1] / steps)
    return summary(steps, kernel, None, by_type, by_node, node_type, executed)


def timed(step, warmup, steps):
    i = 0
    for _ in range(warmup):
        step(i)
        i += 1
    ms = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(steps):
        t0 = time.perf_counter()
        step(i)
        ms.append((time.perf_counter() - t0) * 1e3)
        i += 1
    # process CPU time per step (all threads): less sensitive to other load than wall time
    timed.cpu_ms = (time.process_time() - cpu0) * 1e3 / steps
    timed.wall_ms = (time.perf_counter() - wall0) * 1e3 / steps
    return statistics.median(ms), i


def same_graph(manifest):
    with open(manifest) as f:
        m = json.load(f)
    g = tf.Graph()
    with g.as_default():
        gd = tf.compat.v1.GraphDef()
        with open(m["graph"], "rb") as f:
            gd.ParseFromString(f.read())
        tf.import_graph_def(gd, name="")
    cfg = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=args.threads,
                                   inter_op_parallelism_threads=args.threads)
    sess = tf.compat.v1.Session(graph=g, config=cfg)
    sess.run([g.get_operation_by_name(n) for n in m["init"]])
    rng = np.random.default_rng(1)
    xs = rng.standard_normal(m["x_shape"]).astype(np.float32)
    ys = np.zeros(m["labels_shape"], np.float32)
    ys[np.arange(ys.shape[0]), rng.integers(0, ys.shape[1], ys.shape[0])] = 1
    x, labels, seed = (g.get_tensor_by_name(m[k]) for k in ("x", "labels", "seed"))
    train, loss = g.get_operation_by_name(m["train"]), g.get_tensor_by_name(m["loss"])

    # one run = the train target and the loss fetch, as in Java
    def run(i, options=None, md=None):
        out = sess.run([loss, train], {x: xs, labels: ys, seed: np.array([7, i], np.int64)},
                       options=options, run_metadata=md)[0]
        if not np.isfinite(out):
            raise RuntimeError(f"non-finite loss in step {i}")

    med, i = timed(run, args.warmup, args.steps)
    rec = {"form": "same_graph", "runtime": f"tensorflow {tf.__version__}", "variant": m["variant"],
           "seq_len": m["seq_len"], "batch": m["batch"], "step_ms_untraced_median": med,
           "cpu_ms_per_step": timed.cpu_ms, "wall_ms_per_step": timed.wall_ms}
    if args.time_only:
        sess.close()
        return rec
    mds = []
    for k in range(args.steps):
        md = tf.compat.v1.RunMetadata()
        opts = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE,
                                       output_partition_graphs=(k == 0))
        run(i, opts, md)
        i += 1
        mds.append(md)
    rec.update(aggregate_step_stats(mds))

    def xsteps():
        for k in range(args.steps):
            run(i + k)
    rec["xplane"] = traced_xplane(xsteps, args.steps)
    sess.close()
    return rec


def keras(variant, t):
    bench_tf.args.seq_len = t
    bench_tf.args.batch = args.batch
    step = bench_tf.build(variant)
    med, i = timed(step, args.warmup, args.steps)

    def xsteps():
        for k in range(args.steps):
            step(i + k)
    rec = {"form": "keras", "runtime": f"tensorflow {tf.__version__}, keras {bench_tf.keras.__version__}",
           "variant": variant, "seq_len": t, "batch": args.batch, "step_ms_untraced_median": med,
           "cpu_ms_per_step": timed.cpu_ms, "wall_ms_per_step": timed.wall_ms}
    if not args.time_only:
        rec.update(traced_xplane(xsteps, args.steps))
    bench_tf.keras.backend.clear_session()
    return rec


profiles = []
for mf in [m for m in args.manifests.split(",") if m]:
    print(f"profile_ops: same graph {os.path.basename(mf)}", file=sys.stderr, flush=True)
    profiles.append(same_graph(mf))
for t in lens:
    for v in [v for v in args.keras_variants.split(",") if v]:
        print(f"profile_ops: keras {v} T={t}", file=sys.stderr, flush=True)
        profiles.append(keras(v, t))
if args.time_only:
    for r in profiles:
        print("RESULT " + json.dumps({**r, "onednn_enabled": onednn, "env": env}), flush=True)
    sys.exit(0)
with open(args.out, "w") as f:
    json.dump({"tensorflow": tf.__version__, "onednn_enabled": onednn, "env": env,
               "threads": args.threads, "profiles": profiles}, f, indent=1)
