/**
 * Testing the paper's claims: an experiment grid (datasets x methods x seeds, with per-method
 * tuning on a validation split and sensitivity sweeps) run resumably by {@link
 * dev.attentiondrop.experiments.ExperimentRunner}, and {@link
 * dev.attentiondrop.experiments.ResultsReport}, which turns the run directories into a markdown
 * report with confidence intervals, paired tests and plots.
 */
package dev.attentiondrop.experiments;
