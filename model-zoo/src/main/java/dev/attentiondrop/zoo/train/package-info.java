/**
 * Training: our own Adam/AdamW graph updates (checked step by step against NumPy), a warmup +
 * cosine learning-rate schedule, global-norm clipping, the consistency objectives, and a {@link
 * dev.attentiondrop.zoo.train.Trainer} with seeded shuffling, per-epoch evaluation, checkpoints
 * that resume exactly, progress display and a run directory.
 */
package dev.attentiondrop.zoo.train;
