package com.example.attentiondrop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a user's class path gets from the libraries: their own classes, TensorFlow Java and Jackson;
 * none of the applications (CLI, bench, experiments), their libraries, or the demo datasets.
 */
class LeanClasspathTest {

  @Test
  void theLibrariesBringNoApplicationsOrTheirLibraries() {
    for (String name :
        List.of(
            "dev.attentiondrop.cli.Main",
            "dev.attentiondrop.bench.BenchModels",
            "dev.attentiondrop.experiments.ExperimentRunner",
            "picocli.CommandLine",
            "me.tongfei.progressbar.ProgressBar",
            "org.knowm.xchart.XYChart",
            "org.apache.commons.math3.distribution.TDistribution",
            "org.tensorflow.framework.optimizers.Adam")) {
      assertTrue(absent(name), name + " is on a library user's class path");
    }
    assertNull(
        getClass().getResource("/dev/attentiondrop/demodata/fashion-mnist-mini/NOTICE"),
        "the demo datasets are not in the library jars");
    assertTrue(!absent("dev.attentiondrop.ops.hardmask.HardAttentionMask"));
    assertTrue(!absent("dev.attentiondrop.zoo.train.Trainer"));
    assertTrue(!absent("dev.attentiondrop.savedmodels.Exporter"));
  }

  @Test
  void theMainJarsAreTheLibrariesTensorFlowAndJackson() {
    List<String> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String file = new File(entry).getName();
      if (file.endsWith(".jar") && !isTestTooling(entry)) {
        jars.add(file.replaceAll("-[0-9][^-]*(-SNAPSHOT)?(-linux-x86_64)?\\.jar$", ""));
      }
    }
    jars.sort(null);
    assertEquals(
        List.of(
            "jackson-annotations",
            "jackson-core",
            "jackson-databind",
            "javacpp",
            "model-zoo",
            "ndarray",
            "protobuf-java",
            "savedmodels",
            "tensorflow-core-api",
            "tensorflow-core-native",
            "tensorflow-core-native",
            "tf-ops"),
        jars);
  }

  @Test
  void protobufIsTheFixedRuntime() {
    // protobuf-java before 3.25.5 has a published denial-of-service flaw (CVE-2024-7254)
    String protobuf = null;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (new File(entry).getName().startsWith("protobuf-java-")) {
        protobuf = new File(entry).getName();
      }
    }
    assertEquals("protobuf-java-3.25.9.jar", protobuf);
  }

  static boolean isTestTooling(String path) {
    return path.contains("/org/junit/")
        || path.contains("/org/opentest4j/")
        || path.contains("/org/apiguardian/")
        || path.contains("surefire");
  }

  static boolean absent(String className) {
    try {
      Class.forName(className, false, LeanClasspathTest.class.getClassLoader());
      return false;
    } catch (ClassNotFoundException e) {
      return true;
    }
  }
}
