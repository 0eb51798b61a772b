/** The {@code attentiondrop} command line: one picocli entry point over the project's commands. */
package dev.attentiondrop.cli;
