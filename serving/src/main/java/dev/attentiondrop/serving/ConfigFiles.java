package dev.attentiondrop.serving;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.attentiondrop.serving.batching.BatchingOptions;
import dev.attentiondrop.serving.model.ServedModel;
import dev.attentiondrop.serving.model.VersionPolicy;
import dev.attentiondrop.serving.proto.BatchingParameters;
import dev.attentiondrop.serving.proto.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import dev.attentiondrop.serving.proto.ModelConfig;
import dev.attentiondrop.serving.proto.ModelServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * TF Serving's configuration files, in protobuf text format: {@code --model_config_file} (a {@code
 * ModelServerConfig} with a {@code model_config_list}) and {@code --batching_parameters_file} (a
 * {@code BatchingParameters}).
 */
public final class ConfigFiles {
  private ConfigFiles() {}

  /** Thrown for a configuration file whose content is wrong; names the file. */
  public static final class ConfigFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    ConfigFileException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static <B extends Message.Builder> B parse(Path file, B builder) throws IOException {
    String text = Files.readString(file);
    try {
      TextFormat.merge(text, builder);
    } catch (TextFormat.ParseException e) {
      throw new ConfigFileException(file + ": not a valid text proto: " + e.getMessage(), e);
    }
    return builder;
  }

  /**
   * Reads a model config file. Relative base paths resolve against the file's folder.
   *
   * @param file the {@code ModelServerConfig} text proto
   * @return the models it lists
   * @throws IOException when it cannot be read
   * @throws ConfigFileException naming the file and what is wrong
   */
  public static List<ServedModel> models(Path file) throws IOException {
    ModelServerConfig config = parse(file, ModelServerConfig.newBuilder()).build();
    if (!config.hasModelConfigList()) {
      throw new ConfigFileException(file + ": needs a model_config_list", null);
    }
    List<ServedModel> out = new ArrayList<>();
    HashSet<String> names = new HashSet<>();
    for (ModelConfig m : config.getModelConfigList().getConfigList()) {
      if (!names.add(m.getName())) {
        throw new ConfigFileException(
            file + ": Illegal to list model " + m.getName() + " multiple times in config list",
            null);
      }
      if (!m.getModelPlatform().isEmpty() && !m.getModelPlatform().equals("tensorflow")) {
        throw new ConfigFileException(
            file + ": model " + m.getName() + ": only model_platform \"tensorflow\" is served",
            null);
      }
      Path base = Path.of(m.getBasePath());
      if (!base.isAbsolute()) {
        base = file.toAbsolutePath().getParent().resolve(base);
      }
      try {
        out.add(
            new ServedModel(
                m.getName(), base, policy(m.getModelVersionPolicy()), m.getVersionLabelsMap()));
      } catch (IllegalArgumentException e) {
        throw new ConfigFileException(file + ": " + e.getMessage(), e);
      }
    }
    if (out.isEmpty()) {
      throw new ConfigFileException(file + ": the model_config_list lists no model", null);
    }
    return out;
  }

  private static VersionPolicy policy(ServableVersionPolicy p) {
    return switch (p.getPolicyChoiceCase()) {
      case LATEST -> new VersionPolicy.Latest(Math.max(1, p.getLatest().getNumVersions()));
      case ALL -> new VersionPolicy.All();
      case SPECIFIC -> VersionPolicy.specific(p.getSpecific().getVersionsList());
      case POLICYCHOICE_NOT_SET -> new VersionPolicy.Latest(1);
    };
  }

  /**
   * Reads a batching parameters file; unset fields keep TF Serving's defaults.
   *
   * @param file the {@code BatchingParameters} text proto
   * @return the options
   * @throws IOException when it cannot be read
   * @throws ConfigFileException naming the file and what is wrong
   */
  public static BatchingOptions batching(Path file) throws IOException {
    BatchingParameters p = parse(file, BatchingParameters.newBuilder()).build();
    BatchingOptions d = BatchingOptions.defaults();
    try {
      if (p.getAllowedBatchSizesCount() > 0
          || p.getPadVariableLengthInputs()
          || p.getEnableLargeBatchSplitting().getValue()) {
        throw new IllegalArgumentException(
            "allowed_batch_sizes, pad_variable_length_inputs and enable_large_batch_splitting"
                + " are not supported by this server");
      }
      return new BatchingOptions(
          p.hasMaxBatchSize() ? Math.toIntExact(p.getMaxBatchSize().getValue()) : d.maxBatchSize(),
          p.hasBatchTimeoutMicros() ? p.getBatchTimeoutMicros().getValue() : d.batchTimeoutMicros(),
          p.hasMaxEnqueuedBatches()
              ? Math.toIntExact(p.getMaxEnqueuedBatches().getValue())
              : d.maxEnqueuedBatches(),
          p.hasNumBatchThreads()
              ? Math.toIntExact(p.getNumBatchThreads().getValue())
              : d.numBatchThreads());
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ConfigFileException(file + ": " + e.getMessage(), e);
    }
  }
}
