/**
 * SavedModels for serving: export a trained model in the layout TF Serving reads ({@code
 * BASE/<version>/}), load it and predict in Java ({@link dev.attentiondrop.savedmodels.Predictor}),
 * inspect an export, and write golden tensors for the Python TensorFlow cross-check.
 */
package dev.attentiondrop.savedmodels;
