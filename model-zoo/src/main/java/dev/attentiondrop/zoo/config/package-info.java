/**
 * Model configuration as immutable values that validate when built and round-trip through JSON:
 * {@link dev.attentiondrop.zoo.config.ModelConfig} describes a whole model, {@link
 * dev.attentiondrop.zoo.config.RegularizerConfig} one regularizer by its registered name, and
 * {@link dev.attentiondrop.zoo.config.RegularizerRegistry} maps names to the tf-ops regularizers.
 */
package dev.attentiondrop.zoo.config;
