/**
 * Models built from a {@link dev.attentiondrop.zoo.config.ModelConfig}: the ViT image classifier
 * and the text transformer classifier (one {@link dev.attentiondrop.zoo.models.Classifier} with a
 * kind-specific embedding), and the {@link dev.attentiondrop.zoo.models.Tokenizer} fitted on a
 * training split.
 */
package dev.attentiondrop.zoo.models;
