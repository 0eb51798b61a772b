/**
 * Served models and their versions: finding numbered versions under a base path, loading them,
 * switching atomically, unloading once requests in flight finish, and their status.
 */
package dev.attentiondrop.serving.model;
