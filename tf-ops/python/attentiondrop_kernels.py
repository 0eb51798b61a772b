"""The fused AttentionDrop kernels in Python TensorFlow: load the library, register the gradients.

The library is the one the Maven build of tf-ops compiles (tf-ops/target/classes/dev/attentiondrop/
ops/kernels/linux-x86_64/libattentiondrop_kernels.so, also inside the tf-ops jar). The gradients
are the ones TF Java registers (dev.attentiondrop.ops.kernels.FusedKernels), in stock ops:

  AttentionDropHardMask(logits, noise, p, fill, valid, k_fraction; k) -> (output, dropped)
      d logits = where(dropped, 0, d output)
  AttentionDropBlurKeys(x, taps) -> y
      d x = AttentionDropBlurKeys(d y, reverse(taps, axis=-1))

    ops = attentiondrop_kernels.load(path)
    y, dropped = ops.attention_drop_hard_mask(logits, u, p, fill, valid, k_fraction, k=8)
"""

import tensorflow as tf

_ops = None


def load(path):
    """Loads the library at `path` once per process and returns its op module."""
    global _ops
    if _ops is None:
        ops = tf.load_op_library(path)

        @tf.RegisterGradient("AttentionDropHardMask")
        def _hard_mask_grad(op, dy, _ddropped):
            dropped = op.outputs[1]
            return [tf.where(dropped, tf.zeros_like(dy), dy), None, None, None, None, None]

        @tf.RegisterGradient("AttentionDropBlurKeys")
        def _blur_keys_grad(op, dy):
            return [ops.attention_drop_blur_keys(dy, tf.reverse(op.inputs[1], axis=[3])), None]

        _ops = ops
    return _ops
