"""Keras side of `attentiondrop bench --train-throughput`: the model of `attentiondrop train` written
in Keras 3 (TensorFlow backend) and trained with `model.fit` on the same examples, same batch size,
AdamW (same learning rate, warmup + cosine schedule, weight decay, global-norm clipping) and thread
count. Prints one `RESULT {json}` line with the examples per second of each epoch.

  python train_keras.py --data DIR [--warmup-epochs 2] [--epochs 5] [--threads 2]

DIR is written by dev.attentiondrop.bench.train.TrainThroughput: meta.json (the model config, the
regularizer, the training settings), x.bin (float32 pixels [n, S, S] or int32 token ids [n, L],
little-endian) and y.bin (int32 labels [n]).

Variants (meta "variant"):
  none       plain attention: keras.layers.MultiHeadAttention(dropout=0)
  dropout    keras.layers.MultiHeadAttention(dropout=rate), Keras' own attention-probability dropout
  hard_mask  Q/K/V/O Dense layers and the attention core in TF ops with Hard Attention Masking (as
             bench_tf.py: the top-k valid logits of a row are candidates, each set to 0 with
             probability p), since Keras has no such layer

The timed loop is Keras' own: `model.fit(x, y, batch_size, epochs, shuffle=True)`; a callback reads
the wall clock at every epoch's begin and end (so the epoch's iterator and shuffling count, the
first `--warmup-epochs` epochs, with the tracing, do not).
"""
import argparse
import json
import os
import statistics
import time

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--warmup-epochs", type=int, default=2)
p.add_argument("--epochs", type=int, default=5, help="timed epochs, after the warmup epochs")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--steps-per-execution", type=int, default=1,
               help="Keras' steps_per_execution (diagnostics; default 1, Keras' default)")
p.add_argument("--jit-compile", default="auto", choices=["auto", "true", "false"],
               help="Keras' jit_compile (diagnostics; default auto: no XLA on a CPU-only machine)")
p.add_argument("--loop", default="fit", choices=["fit", "custom"],
               help="fit: model.fit (the measurement); custom: a tf.function step with GradientTape "
                    "and the same optimizer on batches sliced from numpy, as TF Java feeds them (diagnostics)")
args = p.parse_args()

for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ.setdefault(k, str(args.threads))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)

with open(os.path.join(args.data, "meta.json")) as f:
    META = json.load(f)
M = META["model"]
VARIANT = META["variant"]
REG = META.get("regularizer_params", {})
EPS = M.get("layer_norm_epsilon", 1e-6)
D, HEADS, MLP, LAYERS = M["model_dim"], M["heads"], M["mlp_dim"], M["layers"]
DK = D // HEADS


def gelu(z):
    return tf.nn.gelu(z, approximate=False)


class HardMaskAttention(keras.layers.Layer):
    """Q/K/V/O projections and the attention core with Hard Attention Masking, in TF ops."""

    def __init__(self, k, p, **kw):
        super().__init__(**kw)
        self.k, self.p = k, p
        self.q, self.kk, self.v, self.o = (keras.layers.Dense(D) for _ in range(4))
        self.seeds = keras.random.SeedGenerator(7)

    def split(self, x):
        s = tf.shape(x)
        return tf.transpose(tf.reshape(x, [s[0], s[1], HEADS, DK]), [0, 2, 1, 3])

    def call(self, x, valid=None, training=None):
        q, k, v = self.split(self.q(x)), self.split(self.kk(x)), self.split(self.v(x))
        logits = tf.matmul(q, k, transpose_b=True) * (1.0 / np.sqrt(DK))
        keys = None if valid is None else valid[:, None, None, :]  # [B, 1, 1, S]
        if training:
            scored = logits if keys is None else tf.where(keys, logits, -np.inf)
            kth = tf.reduce_min(tf.math.top_k(scored, k=min(self.k, logits.shape[-1]), sorted=False).values,
                                axis=-1, keepdims=True)
            cand = tf.stop_gradient(scored >= kth)
            u = keras.random.uniform(tf.shape(logits), seed=self.seeds)
            logits = tf.where(tf.logical_and(cand, u < self.p), tf.zeros_like(logits), logits)
        if keys is not None:
            logits = tf.where(keys, logits, -1e9)
        a = tf.nn.softmax(logits, axis=-1)
        o = tf.matmul(a, v)
        s = tf.shape(x)
        return self.o(tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [s[0], s[1], D]))


class Block(keras.layers.Layer):
    """Pre-LN encoder block: x + Attn(LN(x)), then + FFN(LN(.)) with exact GELU."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.ln1 = keras.layers.LayerNormalization(epsilon=EPS)
        self.ln2 = keras.layers.LayerNormalization(epsilon=EPS)
        if VARIANT == "hard_mask":
            self.att = HardMaskAttention(int(REG["k"]), float(REG["p"]))
        else:
            rate = float(REG.get("rate", 0.0)) if VARIANT == "dropout" else 0.0
            self.mha = keras.layers.MultiHeadAttention(num_heads=HEADS, key_dim=DK, dropout=rate)
        self.up = keras.layers.Dense(MLP, activation=gelu)
        self.down = keras.layers.Dense(D)

    def call(self, x, valid=None, training=None):
        h = self.ln1(x)
        if VARIANT == "hard_mask":
            a = self.att(h, valid=valid, training=training)
        else:
            mask = None
            if valid is not None:
                t = tf.shape(x)[1]
                mask = tf.broadcast_to(valid[:, None, :], [tf.shape(x)[0], t, t])
            a = self.mha(h, h, attention_mask=mask, training=training)
        x = x + a
        return x + self.down(self.up(self.ln2(x)))


class Classifier(keras.Model):
    """The classifier of ModelConfig: ViT (patches, CLS token, positions) or text (token and position
    embeddings, padding keys masked, mean pooling), the encoder blocks, LN and a dense head."""

    def __init__(self):
        super().__init__()
        self.vit = M["kind"] == "vit"
        if self.vit:
            self.side, self.patch = M["image_size"], M["patch_size"]
            self.grid = self.side // self.patch
            self.proj = keras.layers.Dense(D)
            length = self.grid * self.grid + 1
        else:
            self.tokens = keras.layers.Embedding(M["vocabulary_size"], D)
            length = M["max_length"]
        self.length = length
        self.blocks = [Block() for _ in range(LAYERS)]
        self.norm = keras.layers.LayerNormalization(epsilon=EPS)
        self.head = keras.layers.Dense(M["num_classes"])

    def build(self, input_shape):
        if self.vit:
            self.cls = self.add_weight(shape=(1, 1, D), initializer="zeros", name="cls")
        self.pos = self.add_weight(shape=(1, self.length, D), initializer="random_normal", name="positions")
        super().build(input_shape)

    def call(self, inputs, training=None):
        valid = None
        if self.vit:
            g, p = self.grid, self.patch
            x = tf.reshape(inputs, [-1, g, p, g, p])
            x = tf.reshape(tf.transpose(x, [0, 1, 3, 2, 4]), [-1, g * g, p * p])
            x = self.proj(x)
            x = tf.concat([tf.broadcast_to(self.cls, [tf.shape(x)[0], 1, D]), x], axis=1)
        else:
            valid = tf.not_equal(inputs, 0)
            x = self.tokens(inputs)
        x = x + self.pos
        for b in self.blocks:
            x = b(x, valid=valid, training=training)
        if self.vit:
            pooled = x[:, 0]
        else:
            w = tf.cast(valid, x.dtype)[:, :, None]
            pooled = tf.reduce_sum(x * w, axis=1) / tf.maximum(tf.reduce_sum(w, axis=1), 1.0)
        return self.head(self.norm(pooled))


def custom_loop(model, opt, x, y, batch, epochs, clock):
    """A plain training loop: per step one tf.function call on host batches, fetching the loss."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model(x[:batch], training=False)  # builds the weights

    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = loss_fn(yb, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss, logits

    rng = np.random.default_rng(0)
    n = len(y)
    for epoch in range(epochs):
        clock.on_epoch_begin(epoch)
        order = rng.permutation(n)
        for b in range(0, n, batch):
            idx = order[b:b + batch]
            clock.on_train_batch_begin(b)
            loss, logits = step(tf.constant(x[idx]), tf.constant(y[idx]))
            loss = float(loss.numpy())
            np.argmax(logits.numpy(), axis=-1)  # the training accuracy, as TF Java computes it
            clock.on_train_batch_end(b)
        clock.on_epoch_end(epoch, {"loss": loss})


def main():
    n = META["n"]
    shape = [n] + META["input_shape"]
    x = np.fromfile(os.path.join(args.data, "x.bin"), dtype="<f4" if META["images"] else "<i4").reshape(shape)
    y = np.fromfile(os.path.join(args.data, "y.bin"), dtype="<i4")
    t = META["train"]
    batch = t["batch_size"]
    epochs = args.warmup_epochs + args.epochs
    total = -(-n // batch) * epochs
    warm = int(round(t["warmup_fraction"] * total))
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=max(1, total - warm), alpha=0.0,
        warmup_target=t["learning_rate"], warmup_steps=warm)
    opt = keras.optimizers.AdamW(
        learning_rate=schedule, weight_decay=t["weight_decay"], beta_1=t["beta1"], beta_2=t["beta2"],
        epsilon=t["epsilon"], global_clipnorm=t["clip_norm"] if t["clip_norm"] > 0 else None)
    keras.utils.set_random_seed(int(t.get("seed", 0)))
    model = Classifier()
    model.compile(optimizer=opt, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], steps_per_execution=args.steps_per_execution,
                  jit_compile={"auto": "auto", "true": True, "false": False}[args.jit_compile])

    class Clock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epoch_s, self.step_ms = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            self.b0 = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            # with steps_per_execution > 1 Keras calls this once per execution
            self.step_ms.append((time.perf_counter() - self.b0) * 1e3 / args.steps_per_execution)

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_s.append(time.perf_counter() - self.t0)
            self.loss = float(logs["loss"])

    clock = Clock()
    t0 = time.perf_counter()
    if args.loop == "fit":
        model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=True, verbose=0, callbacks=[clock])
    else:
        custom_loop(model, opt, x, y, batch, epochs, clock)
    wall = time.perf_counter() - t0
    timed = clock.epoch_s[args.warmup_epochs:]
    per_epoch = -(-n // batch)
    executions = -(-per_epoch // args.steps_per_execution)
    steps = clock.step_ms[args.warmup_epochs * executions:]
    rec = {
        "side": "keras", "model": M["kind"], "variant": VARIANT, "n": n, "batch": batch,
        "warmup_epochs": args.warmup_epochs, "epochs": args.epochs,
        "examples_per_second": n * len(timed) / sum(timed),
        "epoch_examples_per_second": [n / s for s in timed],
        "first_epoch_s": clock.epoch_s[0],
        "step_ms_median": statistics.median(steps) if steps else None,
        "final_loss": clock.loss, "wall_s": wall, "threads": args.threads,
        "jit_compile": bool(model.jit_compile), "steps_per_execution": model.steps_per_execution,
        "params": int(model.count_params()),
        "loop": args.loop,
        "onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        "version": f"tensorflow {tf.__version__}, keras {keras.__version__}",
    }
    if not np.isfinite(rec["final_loss"]):
        raise SystemExit(f"non-finite loss {rec['final_loss']}")
    print("RESULT " + json.dumps(rec), flush=True)


main()
