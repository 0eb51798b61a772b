/**
 * Stateless randomness: seeds are {@code int64[2]} tensors, new independent seeds are derived by
 * folding in a salt (as {@code tf.random.experimental.stateless_fold_in} does), and every draw is a
 * {@code Stateless*} op, so the same seed gives the same noise in Java, in Python TensorFlow and in
 * an exported SavedModel.
 */
package dev.attentiondrop.ops.random;
