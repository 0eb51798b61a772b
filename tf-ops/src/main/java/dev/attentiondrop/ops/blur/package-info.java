/**
 * Blurred Attention Smoothing (AttentionDrop, section "Blurred Attention Smoothing"): each row of
 * attention logits is convolved along the key axis with a normalized Gaussian kernel whose width
 * sigma is drawn afresh from {@code U(0, sigma_max)} at every step.
 */
package dev.attentiondrop.ops.blur;
