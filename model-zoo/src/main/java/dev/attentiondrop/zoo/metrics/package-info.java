/**
 * Evaluation metrics: calibration of predicted probabilities ({@link
 * dev.attentiondrop.zoo.metrics.Calibration}: accuracy, NLL, ECE, Brier score, reliability-diagram
 * data) and adversarial robustness under L-infinity attacks ({@link
 * dev.attentiondrop.zoo.metrics.Attacks}: FGSM, PGD, robust accuracy per eps) against any
 * differentiable {@link dev.attentiondrop.zoo.metrics.AdversarialModel}, with {@link
 * dev.attentiondrop.zoo.metrics.ClassifierAttacks} perturbing the pixels of a ViT or the input
 * embeddings of a text classifier. Results are immutable records that serialize with the project's
 * {@link dev.attentiondrop.zoo.config.Json} mapping.
 */
package dev.attentiondrop.zoo.metrics;
