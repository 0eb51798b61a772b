"""Calls a running `attentiondrop serve` the way TF Serving's users call TF Serving.

REST with a plain HTTP client (urllib), gRPC with stubs that grpcio-tools generates at run time
from this project's .proto definitions (serving/src/main/proto), tensors built with TensorFlow's
own tf.make_tensor_proto and read back with tf.make_ndarray. No tensorflow-serving-api: if
TF Serving's own client code worked unchanged against the same definitions, so does this.

  serving_client.py export-keras DIR       a small Keras model, model.export(DIR) (TF Serving layout)
  serving_client.py check CASES.json       runs every case, prints one JSON summary, exit 1 on a mismatch

CASES.json: {"rest": "http://HOST:PORT", "grpc": "HOST:PORT", "tolerance": 1e-6,
  "cases": [{"model": NAME, "inputs": {name: {"dtype": "float32", "shape": [...], "data": [...]}},
             "expected": {name: {...}} | null (null: run the SavedModel "export" in Python TF)}]}
"""
import base64
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.join(HERE, "..", "src", "main", "proto")


def build_stubs(out_dir):
    """Generates the tensorflow_serving Python modules from our .proto files into out_dir.

    The TensorFlow messages they import come from the TF wheel's own modules (which ship no
    .proto files), as a FileDescriptorSet, exactly as the Java build does with TF Java's classes.
    """
    from google.protobuf import any_pb2, descriptor_pb2, wrappers_pb2
    from tensorflow.core.example import example_pb2
    from tensorflow.core.framework import tensor_pb2
    from tensorflow.core.protobuf import error_codes_pb2, meta_graph_pb2

    files = descriptor_pb2.FileDescriptorSet()
    seen = set()

    def add(fd):
        if fd.name in seen:
            return
        for dep in fd.dependencies:
            add(dep)
        seen.add(fd.name)
        proto = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(proto)
        files.file.append(proto)

    for module in (tensor_pb2, meta_graph_pb2, error_codes_pb2, example_pb2, wrappers_pb2, any_pb2):
        add(module.DESCRIPTOR)
    descriptors = os.path.join(out_dir, "tf-descriptors.pb")
    with open(descriptors, "wb") as f:
        f.write(files.SerializeToString())
    src = os.path.join(out_dir, "proto")
    shutil.copytree(PROTOS, src)
    names = []
    for root, _, fs in os.walk(src):
        for name in fs:
            if name.endswith(".proto"):
                path = os.path.join(root, name)
                text = open(path).read()
                # TF Java ships the error codes under their tsl name; Python TF (and TF Serving)
                # import them through tensorflow/core/protobuf/error_codes.proto: the same enum.
                text = text.replace(
                    'import "tsl/protobuf/error_codes.proto";',
                    'import "tensorflow/core/protobuf/error_codes.proto";',
                )
                open(path, "w").write(text)
                names.append(os.path.relpath(path, src))
    gen = os.path.join(out_dir, "gen")
    os.makedirs(gen)
    # in a child: grpc_tools' bundled protoc and TensorFlow's protobuf crash in one process
    done = subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "--descriptor_set_in=" + descriptors,
         "-I" + src, "--python_out=" + gen, "--grpc_python_out=" + gen] + sorted(names),
        capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("grpc_tools.protoc failed: %s" % done.stderr)
    sys.path.insert(0, gen)
    return {
        m: importlib.import_module("tensorflow_serving.apis." + m)
        for m in ("predict_pb2", "prediction_service_pb2_grpc", "get_model_metadata_pb2",
                  "get_model_status_pb2", "model_service_pb2_grpc")
    }


def export_keras(directory):
    """A two-input Keras model (float features, int ids), exported for serving."""
    import keras

    keras.utils.set_random_seed(7)
    features = keras.Input(shape=(6,), name="features")
    ids = keras.Input(shape=(3,), dtype="int32", name="ids")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(20, 4)(ids))
    hidden = keras.layers.Dense(16, activation="relu")(keras.layers.Concatenate()([features, embedded]))
    logits = keras.layers.Dense(3, name="logits")(hidden)
    model = keras.Model({"features": features, "ids": ids}, logits)
    model.export(directory, verbose=False)
    print(json.dumps({"exported": directory}))


def array(spec):
    return np.asarray(spec["data"], dtype=spec["dtype"]).reshape(spec["shape"])


def max_diff(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def check(cases_file):
    import grpc

    cfg = json.load(open(cases_file))
    tol = cfg.get("tolerance", 1e-6)
    work = tempfile.mkdtemp(prefix="serving-client-")
    try:
        pb = build_stubs(work)
        channel = grpc.insecure_channel(cfg["grpc"])
        predict_stub = pb["prediction_service_pb2_grpc"].PredictionServiceStub(channel)
        model_stub = pb["model_service_pb2_grpc"].ModelServiceStub(channel)
        results = []
        ok = True
        for case in cfg["cases"]:
            model = case["model"]
            inputs = {k: array(v) for k, v in case["inputs"].items()}
            if case.get("expected") is None:
                loaded = tf.saved_model.load(case["export"])
                fn = loaded.signatures["serving_default"]
                expected = {k: v.numpy() for k, v in fn(**{k: tf.constant(v) for k, v in inputs.items()}).items()}
            else:
                expected = {k: array(v) for k, v in case["expected"].items()}
            n = next(iter(inputs.values())).shape[0]
            r = {"model": model, "examples": int(n)}

            # REST, row format: one object per example (or the bare value with one input)
            if len(inputs) == 1:
                instances = next(iter(inputs.values())).tolist()
            else:
                instances = [{k: v[i].tolist() for k, v in inputs.items()} for i in range(n)]
            status, body = post(cfg["rest"] + "/v1/models/%s:predict" % model, {"instances": instances})
            r["rest_row_status"] = status
            preds = body.get("predictions")
            if status == 200 and len(expected) == 1:
                got = {next(iter(expected)): preds}
            elif status == 200:
                got = {k: [p[k] for p in preds] for k in expected}
            else:
                got = {}
            r["rest_row_max_abs_diff"] = max(max_diff(got.get(k), expected[k]) for k in expected)

            # REST, columnar format
            status, body = post(cfg["rest"] + "/v1/models/%s:predict" % model,
                                {"inputs": {k: v.tolist() for k, v in inputs.items()}})
            r["rest_columnar_status"] = status
            outs = body.get("outputs")
            got = ({next(iter(expected)): outs} if len(expected) == 1 else outs) if status == 200 else {}
            r["rest_columnar_max_abs_diff"] = max(max_diff(got.get(k), expected[k]) for k in expected)

            # gRPC Predict with TensorProtos from tf.make_tensor_proto
            req = pb["predict_pb2"].PredictRequest()
            req.model_spec.name = model
            for k, v in inputs.items():
                req.inputs[k].CopyFrom(tf.make_tensor_proto(v))
            resp = predict_stub.Predict(req, timeout=60)
            r["grpc_signature"] = resp.model_spec.signature_name
            r["grpc_version"] = resp.model_spec.version.value
            r["grpc_max_abs_diff"] = max(
                max_diff(tf.make_ndarray(resp.outputs[k]), expected[k]) if k in resp.outputs else float("inf")
                for k in expected)

            # metadata and status, both APIs
            mreq = pb["get_model_metadata_pb2"].GetModelMetadataRequest()
            mreq.model_spec.name = model
            mreq.metadata_field.append("signature_def")
            meta = predict_stub.GetModelMetadata(mreq, timeout=60)
            sigs = pb["get_model_metadata_pb2"].SignatureDefMap()
            meta.metadata["signature_def"].Unpack(sigs)
            r["grpc_metadata_inputs"] = sorted(sigs.signature_def["serving_default"].inputs)
            status, body = get(cfg["rest"] + "/v1/models/%s/metadata" % model)
            r["rest_metadata_inputs"] = sorted(
                body["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"])
            sreq = pb["get_model_status_pb2"].GetModelStatusRequest()
            sreq.model_spec.name = model
            st = model_stub.GetModelStatus(sreq, timeout=60)
            r["grpc_status"] = [[s.version, pb["get_model_status_pb2"].ModelVersionStatus.State.Name(s.state)]
                                for s in st.model_version_status]
            status, body = get(cfg["rest"] + "/v1/models/%s" % model)
            r["rest_status"] = [[int(s["version"]), s["state"]] for s in body["model_version_status"]]

            # a wrong input name: INVALID_ARGUMENT on gRPC, 400 with a message on REST
            bad = pb["predict_pb2"].PredictRequest()
            bad.model_spec.name = model
            bad.inputs["no_such_input"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 1), np.float32)))
            try:
                predict_stub.Predict(bad, timeout=60)
                r["grpc_bad_input"] = "OK"
            except grpc.RpcError as e:
                r["grpc_bad_input"] = e.code().name
                r["grpc_bad_input_message"] = e.details()
            results.append(r)
            diffs = [r["rest_row_max_abs_diff"], r["rest_columnar_max_abs_diff"], r["grpc_max_abs_diff"]]
            if any(d > tol for d in diffs) or r["rest_row_status"] != 200 or r["rest_columnar_status"] != 200:
                ok = False
        print(json.dumps({"ok": ok, "tolerance": tol, "results": results}, indent=1))
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "export-keras":
        export_keras(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
