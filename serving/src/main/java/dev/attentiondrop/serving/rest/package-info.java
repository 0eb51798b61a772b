/** TF Serving's REST API (URLs, JSON, status codes) as a Jetty handler. */
package dev.attentiondrop.serving.rest;
