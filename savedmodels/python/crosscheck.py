"""Cross-checks a SavedModel exported by TensorFlow Java in Python TensorFlow.

    python crosscheck.py EXPORT_DIR GOLDEN_DIR

EXPORT_DIR is a version folder (BASE/<version>) written by `attentiondrop export` (or at the end
of `attentiondrop train`). GOLDEN_DIR holds what Java computed, as TensorProto files (NAME.pb,
written by dev.attentiondrop.savedmodels.GoldenTensors):

    GOLDEN_DIR/inputs/<input>.pb        the inputs of serving_default (and of attention)
    GOLDEN_DIR/outputs/<output>.pb      every output of serving_default, as Java's Predictor got it
    GOLDEN_DIR/attention/<output>.pb    optional: every output of the attention signature

Checks: the meta graph is tagged "serve"; serving_default and attention exist with method
tensorflow/serving/predict; serving_default's inputs are the golden inputs and its outputs the
golden outputs; run in Python on the golden inputs, every float32 output is within 1e-5 (max abs
diff) of Java's and every integer output (label) is equal; the same for the attention outputs when
given. Prints a one-line JSON summary; exit status 1 on any mismatch, 2 on bad arguments.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.framework import tensor_pb2  # noqa: E402
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402

PREDICT_METHOD = "tensorflow/serving/predict"
FLOAT_TOLERANCE = 1e-5


# --- user snippet: load an export and predict (quoted verbatim in docs/savedmodels.md) ---
def load_and_predict(export_dir, **inputs):
    """Runs serving_default of an attentiondrop export; inputs are numpy arrays:
    images=float32 [n, S, S] in [0, 1] (vit), or token_ids=int32 [n, L] and mask=int32 [n, L]
    (text). Returns {"probabilities": [n, C], "logits": [n, C], "label": [n]} as numpy arrays."""
    model = tf.saved_model.load(export_dir)
    predict = model.signatures["serving_default"]
    outputs = predict(**{name: tf.constant(value) for name, value in inputs.items()})
    return {name: tensor.numpy() for name, tensor in outputs.items()}
# --- end of user snippet ---


def read_golden(path):
    """A golden tensor written by Java's GoldenTensors, as a numpy array."""
    with open(path, "rb") as f:
        return tf.make_ndarray(tensor_pb2.TensorProto.FromString(f.read()))


def read_goldens(folder):
    if not os.path.isdir(folder):
        return {}
    return {
        name[: -len(".pb")]: read_golden(os.path.join(folder, name))
        for name in sorted(os.listdir(folder))
        if name.endswith(".pb") and not name.startswith(".")
    }


def compare(name, got, want, failures):
    """One output: max abs diff for floats, equality for integers."""
    got = np.asarray(got)
    entry = {"dtype": str(want.dtype), "shape": list(want.shape)}
    if got.shape != want.shape or got.dtype != want.dtype:
        failures.append(f"{name}: Python gives {got.dtype} {list(got.shape)}, Java {want.dtype} {list(want.shape)}")
        entry["ok"] = False
        return entry
    if np.issubdtype(want.dtype, np.floating):
        finite = bool(np.all(np.isfinite(got)) and np.all(np.isfinite(want)))
        diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if want.size else 0.0
        entry["max_abs_diff"] = diff
        entry["ok"] = finite and diff <= FLOAT_TOLERANCE
        if not entry["ok"]:
            failures.append(f"{name}: max abs diff {diff:.3g} > {FLOAT_TOLERANCE:g}" if finite else f"{name}: not finite")
    else:
        mismatches = int(np.sum(got != want))
        entry["mismatches"] = mismatches
        entry["ok"] = mismatches == 0
        if mismatches:
            failures.append(f"{name}: {mismatches} of {want.size} values differ")
    return entry


def run_signature(fn, key, inputs, goldens, failures):
    expected_inputs = set(fn.structured_input_signature[1].keys())
    if expected_inputs != set(inputs):
        failures.append(f"{key}: takes inputs {sorted(expected_inputs)}, goldens hold {sorted(inputs)}")
        return {}
    outputs = fn(**{name: tf.constant(value) for name, value in inputs.items()})
    if set(outputs) != set(goldens):
        failures.append(f"{key}: outputs {sorted(outputs)}, goldens hold {sorted(goldens)}")
    return {
        name: compare(f"{key}.{name}", outputs[name].numpy(), goldens[name], failures)
        for name in sorted(goldens)
        if name in outputs
    }


def crosscheck(export_dir, golden_dir):
    failures = []
    summary = {"export": export_dir}
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        saved = saved_model_pb2.SavedModel.FromString(f.read())
    meta = saved.meta_graphs[0]
    summary["tags"] = list(meta.meta_info_def.tags)
    if "serve" not in summary["tags"]:
        failures.append(f"meta graph tags {summary['tags']} lack 'serve'")
    summary["signatures"] = {k: s.method_name for k, s in sorted(meta.signature_def.items())}
    for key in ("serving_default", "attention"):
        method = summary["signatures"].get(key)
        if method is None:
            failures.append(f"no '{key}' signature")
        elif method != PREDICT_METHOD:
            failures.append(f"signature '{key}' has method '{method}', expected {PREDICT_METHOD}")

    inputs = read_goldens(os.path.join(golden_dir, "inputs"))
    outputs = read_goldens(os.path.join(golden_dir, "outputs"))
    if not inputs or not outputs:
        failures.append(f"{golden_dir} holds no inputs/*.pb or no outputs/*.pb")
    else:
        summary["examples"] = int(next(iter(inputs.values())).shape[0])
        model = tf.saved_model.load(export_dir)
        serving = model.signatures["serving_default"]
        takes = set(serving.structured_input_signature[1].keys())
        gives = set(serving.structured_outputs.keys())
        if takes != set(inputs) or gives != set(outputs):
            failures.append(f"serving_default takes {sorted(takes)} and gives {sorted(gives)}; "
                            f"goldens hold inputs {sorted(inputs)} and outputs {sorted(outputs)}")
        else:
            # Predict the way docs/savedmodels.md tells users to.
            predicted = load_and_predict(export_dir, **inputs)
            summary["serving_default"] = {
                name: compare(f"serving_default.{name}", predicted[name], outputs[name], failures)
                for name in sorted(outputs)
            }
        attention = read_goldens(os.path.join(golden_dir, "attention"))
        if attention and "attention" in model.signatures:
            summary["attention"] = run_signature(model.signatures["attention"], "attention", inputs, attention, failures)
    summary["tolerance"] = FLOAT_TOLERANCE
    summary["tensorflow"] = tf.__version__
    summary["ok"] = not failures
    summary["failures"] = failures
    return summary


def main(argv):
    if len(argv) != 3 or not os.path.isfile(os.path.join(argv[1], "saved_model.pb")) or not os.path.isdir(argv[2]):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        print("expected EXPORT_DIR (holding saved_model.pb) and GOLDEN_DIR", file=sys.stderr)
        return 2
    summary = crosscheck(argv[1], argv[2])
    print(json.dumps(summary, sort_keys=True))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
