/** Command-line commands of the {@code attentiondrop} launcher that live in model-zoo (train). */
package dev.attentiondrop.zoo.cli;
