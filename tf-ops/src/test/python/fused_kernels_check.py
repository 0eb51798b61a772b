"""Runs the fused kernels in Python TF through tf.load_op_library, forward and backward.

usage: fused_kernels_check.py LIBRARY DIR
DIR holds logits.npy, noise.npy, valid.npy (bool, [B, 1, 1, K]), taps.npy ([B, 1, 1, w]) and
upstream.npy (the gradient flowing into each output). Writes, as float64 .npy into DIR:
hard.npy / hard_grad.npy (k = 8, p = 0.3, fill 0, with valid) and blur.npy / blur_grad.npy.
"""

import os
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
import attentiondrop_kernels  # noqa: E402

library, folder = sys.argv[1], sys.argv[2]
ops = attentiondrop_kernels.load(library)
load = lambda name: np.load(os.path.join(folder, name + ".npy"))
logits = tf.constant(load("logits"))
noise = tf.constant(load("noise"))
valid = tf.constant(load("valid").astype(bool))
taps = tf.constant(load("taps"))
upstream = tf.constant(load("upstream"))

with tf.GradientTape(persistent=True) as tape:
    tape.watch(logits)
    hard, _ = ops.attention_drop_hard_mask(
        logits, noise, tf.constant(0.3, tf.float64), tf.constant(0.0, tf.float64), valid,
        tf.constant(0.0, tf.float64), k=8)
    blur = ops.attention_drop_blur_keys(logits, taps)
    hard_loss = tf.reduce_sum(hard * upstream)
    blur_loss = tf.reduce_sum(blur * upstream)
for name, value in [("hard", hard), ("hard_grad", tape.gradient(hard_loss, logits)),
                    ("blur", blur), ("blur_grad", tape.gradient(blur_loss, logits))]:
    np.save(os.path.join(folder, name + ".npy"), value.numpy().astype(np.float64))
print("ok")
