"""Runs keras.layers (Keras 3, TensorFlow backend) on parity cases written by the Java tests.

Usage: python tests/python/keras_parity.py DIR [DIR ...]

Each DIR holds ``case.json`` ({"layer": "dense" | "layer_norm" | "mha", "params": {...}}), the
input ``x.npy`` and the Java layer's weights, all float64 (float32 values widened; a mask as 0/1):

* dense: ``kernel`` [in, units], ``bias`` [units]
* layer_norm: ``gamma``, ``beta`` [dim]; params ``epsilon``
* mha: ``{query,key,value}_kernel`` [d_model, heads * key_dim], ``{query,key,value}_bias``
  [heads * key_dim], ``output_kernel`` [heads * key_dim, d_model], ``output_bias`` [d_model];
  optional ``mask`` [B, T, S] (True: may attend); params ``heads``, ``key_dim``, ``causal``

The Keras layer is built in float32, given those weights (the multi-head kernels reshaped to
Keras' [d_model, heads, key_dim] / [heads, key_dim, d_model] layout), and called on ``x`` as
float32. Its outputs are written next to the inputs as float64 ``out_NAME.npy``: ``out_output``
for every layer, and ``out_scores`` [B, heads, T, S] (the attention probabilities, from a second
call with ``return_attention_scores=True``) for mha. A case that fails gets an ``error.txt`` with
the traceback instead, and the other cases still run; the exit status is 0 unless the command line
itself is wrong. One process serves every case, so TensorFlow is imported once.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import case_io  # noqa: E402


def _f32(a):
    return np.asarray(a, dtype=np.float32)


def _assign(variable, value, what):
    value = _f32(value)
    if tuple(variable.shape) != value.shape:
        raise ValueError(f"{what}: Keras expects {tuple(variable.shape)}, got {value.shape}")
    variable.assign(value)


def _dense(keras, p, x):
    kernel = x["kernel"]
    layer = keras.layers.Dense(kernel.shape[1], use_bias="bias" in x)
    layer.build(x["x"].shape)
    _assign(layer.kernel, kernel, "kernel")
    if "bias" in x:
        _assign(layer.bias, x["bias"], "bias")
    return {"output": layer(_f32(x["x"]))}


def _layer_norm(keras, p, x):
    layer = keras.layers.LayerNormalization(epsilon=p["epsilon"])
    layer.build(x["x"].shape)
    _assign(layer.gamma, x["gamma"], "gamma")
    _assign(layer.beta, x["beta"], "beta")
    return {"output": layer(_f32(x["x"]))}


def _mha(keras, p, x):
    heads, key_dim = p["heads"], p["key_dim"]
    inputs = _f32(x["x"])
    d_model = inputs.shape[-1]
    layer = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)
    layer(inputs, inputs)  # builds the weights
    for name in ("query", "key", "value"):
        dense = getattr(layer, f"_{name}_dense")
        _assign(dense.kernel, x[f"{name}_kernel"].reshape(d_model, heads, key_dim), f"{name} kernel")
        _assign(dense.bias, x[f"{name}_bias"].reshape(heads, key_dim), f"{name} bias")
    out = layer._output_dense
    _assign(out.kernel, x["output_kernel"].reshape(heads, key_dim, d_model), "output kernel")
    _assign(out.bias, x["output_bias"], "output bias")
    kwargs = {"query": inputs, "value": inputs, "use_causal_mask": bool(p.get("causal", False))}
    if "mask" in x:
        kwargs["attention_mask"] = x["mask"] != 0
    output = layer(**kwargs)
    _, scores = layer(**kwargs, return_attention_scores=True)
    return {"output": output, "scores": scores}


LAYERS = {"dense": _dense, "layer_norm": _layer_norm, "mha": _mha}


def run_case(keras, directory):
    case, inputs = case_io.load_case(directory)
    layer = case["layer"]
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; known: {sorted(LAYERS)}")
    outputs = LAYERS[layer](keras, case.get("params", {}), inputs)
    for name, value in outputs.items():
        if np.asarray(value).dtype != np.float32:
            raise TypeError(f"output {name}: expected float32 from Keras, got {np.asarray(value).dtype}")
    case_io.save_outputs(directory, outputs)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    import keras  # noqa: PLC0415 - after the environment variables above
    import tensorflow as tf  # noqa: PLC0415

    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    print(f"keras {keras.__version__}, tensorflow {tf.__version__}, backend {keras.backend.backend()}")
    return case_io.run_all(argv[1:], lambda directory: run_case(keras, directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
