package dev.attentiondrop.cli;

import dev.attentiondrop.bench.serving.ServingLoad;
import dev.attentiondrop.zoo.train.RunDirectory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attentiondrop serve-bench --model_base_path BASE}. */
@Command(
    name = "serve-bench",
    mixinStandardHelpOptions = true,
    description = {
      "Load on 'attentiondrop serve' (started as a child process): N concurrent clients of this JVM",
      "send single-example Predict requests over gRPC and REST, without and with batching; prints",
      "p50/p99 latency, throughput and errors, then the same model called in process (TF Java,",
      "and Python TF's signatures['serving_default'] with --python), and the server's RSS over a",
      "long gRPC run. A command, not a test: its results go to docs/serving.md."
    })
public final class ServeBenchCommand implements Callable<Integer> {
  @Option(names = "--model_base_path", required = true, description = "The model's base path.")
  Path basePath;

  @Option(
      names = "--clients",
      split = ",",
      defaultValue = "1,8,32",
      description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
  List<Integer> clients;

  @Option(
      names = "--requests",
      defaultValue = "2000",
      description = "Timed requests per cell (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--rss-requests",
      defaultValue = "100000",
      description =
          "Requests of the long run whose RSS is sampled (default: ${DEFAULT-VALUE}; 0: none).")
  int rssRequests;

  @Option(names = "--python", description = "Python with TensorFlow for the in-process baseline.")
  String python;

  @Option(names = "--output", description = "Also write the JSON lines to this file.")
  Path output;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(basePath)) {
      throw new NoSuchFileException(basePath.toString());
    }
    if (requests < 10 || clients.stream().anyMatch(c -> c < 1)) {
      throw new IllegalArgumentException("--requests must be >= 10 and --clients >= 1");
    }
    List<String> lines = new ArrayList<>();
    Path repo = Path.of(System.getProperty("attentiondrop.repo", ".")).toAbsolutePath();
    ServingLoad.run(
        new ServingLoad.Settings(basePath, clients, requests, rssRequests, python, repo),
        line -> {
          System.out.println(line);
          lines.add(line);
        });
    System.out.println();
    System.out.print(ServingLoad.table(lines));
    if (output != null) {
      RunDirectory.writeAtomically(output, String.join("\n", lines) + "\n");
    }
    return 0;
  }
}
