"""Python TF/Keras side of `attentiondrop bench`: one training step (forward, backward, Adam) of the
benchmark's transformer block, per regularizer. Plain is keras.layers.MultiHeadAttention with
the Java attention dropout's default rate; the regularizers are written in TF ops below (same math
as the Java ops, defaults read from regularizer_defaults.json, generated from the Java classes). Graph mode (tf.function), XLA off. Prints one `RESULT {json}` line per variant.

  python bench_tf.py --seq-len 128 [--variants plain,blur] [--batch 8] [--reps 5] [--warmup 2] [--threads 2]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

args = C.parse_args()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)
DK = C.D_MODEL // C.HEADS


def noise(shape, seed, salt):
    return tf.random.stateless_uniform(shape, seed=tf.stack([seed[0] + salt, seed[1]]))


def regularize_logits(variant, logits, seed, groups):
    if variant in ("hard_mask", "hard_mask_neg_inf", "consistency"):
        kth = tf.reduce_min(tf.math.top_k(logits, k=min(C.HARD_K, logits.shape[-1]), sorted=False).values, axis=-1, keepdims=True)
        cand = tf.stop_gradient(logits >= kth)
        drop = tf.logical_and(cand, noise(tf.shape(logits), seed, 1) < C.HARD_P)
        fill = 0.0 if variant != "hard_mask_neg_inf" else C.DROP_FILL
        return tf.where(drop, tf.constant(fill, logits.dtype), logits)
    if variant == "blur":
        # As tf-ops: one product with the Toeplitz band matrix K[j', j] = G[j' - j] per group.
        sigma = tf.maximum(noise([groups, 1], seed, 2) * C.BLUR_SIGMA_MAX, 1e-3)
        r = (C.BLUR_W - 1) // 2
        d = tf.constant(np.arange(-r, r + 1), tf.float32)
        g = tf.exp(-tf.square(d) / (2 * tf.square(sigma)))  # [G, w]
        g = g / tf.reduce_sum(g, axis=-1, keepdims=True)
        t = logits.shape[-1]
        offset = np.arange(t)[:, None] - np.arange(t)[None, :]
        diagonals = tf.constant(np.stack([offset == k for k in range(-r, r + 1)]), tf.float32)  # [w, T, T]
        band = tf.einsum("gw,wij->gij", g, diagonals)[:, None]  # [G, 1, T, T]
        band = tf.repeat(band, tf.shape(logits)[0] // groups, axis=0)
        return tf.matmul(logits, band)
    if variant == "dropkey":
        return tf.where(noise(tf.shape(logits), seed, 3) < C.DROPKEY_RATE, tf.constant(C.DROP_FILL, logits.dtype), logits)
    return logits


def regularize_probs(variant, a, seed):
    s = tf.shape(a)
    if variant == "drophead":
        m = tf.cast(noise([s[0], s[1], 1, 1], seed, 4) >= C.DROPHEAD_RATE, a.dtype)
        return a * m * C.HEADS / tf.maximum(1.0, tf.reduce_sum(m, axis=1, keepdims=True))
    if variant == "dropattention":
        c = tf.cast(noise([s[0], s[1], 1, s[3]], seed, 5) >= C.DROPATTENTION_RATE, a.dtype)
        kept = a * c
        z = tf.reduce_sum(kept, axis=-1, keepdims=True)
        return tf.where(z > 0, kept / tf.where(z > 0, z, 1.0), a)
    if variant == "relaxed":
        return (1 - C.RELAXED_GAMMA) * a + C.RELAXED_GAMMA / tf.cast(s[3], a.dtype)
    return a


class Attention(keras.layers.Layer):
    """Q/K/V/O projections and the regularized attention core, in TF ops."""

    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        self.q, self.k, self.v, self.o = (keras.layers.Dense(C.D_MODEL) for _ in range(4))

    def split(self, x):
        b, t = x.shape[0], x.shape[1]
        return tf.transpose(tf.reshape(x, [b, t, C.HEADS, DK]), [0, 2, 1, 3])

    def call(self, x, seed, groups, tile=False):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        if tile:  # shared prefix: the passes stack after the projections
            q, k, v = (tf.concat([z] * groups, 0) for z in (q, k, v))
        logits = tf.matmul(q, k, transpose_b=True) * (1.0 / np.sqrt(DK))
        logits = regularize_logits(self.variant, logits, seed, groups)
        a = regularize_probs(self.variant, tf.nn.softmax(logits, axis=-1), seed)
        o = tf.matmul(a, v)
        b, t = o.shape[0], x.shape[1]
        return self.o(tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b, t, C.D_MODEL]))


class Block(keras.Model):
    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        self.ln1 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.ln2 = keras.layers.LayerNormalization(epsilon=1e-6)
        if variant == "plain":
            self.mha = keras.layers.MultiHeadAttention(num_heads=C.HEADS, key_dim=DK, dropout=C.DROPOUT_RATE)
        else:
            self.att = Attention(variant)
        self.up = keras.layers.Dense(C.MLP, activation=lambda z: tf.nn.gelu(z, approximate=False))
        self.down = keras.layers.Dense(C.D_MODEL)
        self.head = keras.layers.Dense(C.CLASSES)

    def call(self, x, seed, groups=1):
        # groups > 1: x holds one copy; LN and projections run once, the passes stack after them.
        h = self.ln1(x)
        a = self.mha(h, h, training=True) if self.variant == "plain" else self.att(h, seed=seed, groups=groups, tile=groups > 1)
        r = (tf.concat([x] * groups, 0) if groups > 1 else x) + a
        y = r + self.down(self.up(self.ln2(r)))
        return self.head(tf.reduce_mean(y, axis=1))


def build(variant):
    model = Block(variant)
    opt = keras.optimizers.Adam(1e-3)
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((args.batch, args.seq_len, C.D_MODEL)), tf.float32)
    y = tf.one_hot(rng.integers(0, C.CLASSES, args.batch), C.CLASSES)
    passes = 2 if variant == "consistency" else 1

    @tf.function
    def train_step(seed):
        with tf.GradientTape() as tape:
            if passes == 1:
                z = model(x, seed=seed, groups=1)
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, z))
            else:
                z1, z2 = tf.split(model(x, seed=seed, groups=2), 2)
                task = (tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, z1))
                        + tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, z2))) / 2
                lp, lq = tf.nn.log_softmax(z1), tf.nn.log_softmax(z2)
                loss = task + 1.0 * tf.reduce_mean(tf.reduce_sum(tf.exp(lp) * (lp - lq), -1))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    def step(i):
        loss = train_step(tf.constant([7, i], tf.int32)).numpy()
        if not np.isfinite(loss):
            raise RuntimeError(f"non-finite loss in step {i}")
    return step


if __name__ == "__main__":  # profile_ops.py imports build() and Block
    C.run_variants(args, build, f"tensorflow {tf.__version__}, keras {keras.__version__}", keras.backend.clear_session)
