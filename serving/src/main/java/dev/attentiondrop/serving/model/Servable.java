package dev.attentiondrop.serving.model;

import dev.attentiondrop.serving.ServingException;
import dev.attentiondrop.serving.ServingException.Code;
import dev.attentiondrop.serving.tensor.HostTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFFailedPreconditionException;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * One loaded version of a model: a SavedModel's {@code serve} MetaGraph, its session and
 * signatures. Requests hold it between {@link #acquire()} and {@link #release()}; once {@link
 * #retire(Runnable) retired} it closes when the last request releases it, so an unload never fails
 * a request in flight.
 */
public final class Servable {
  /** The signature a request without {@code signature_name} gets. */
  public static final String DEFAULT_SIGNATURE = "serving_default";

  private final String model;
  private final long version;
  private final Path directory;
  private final SavedModelBundle bundle;
  private final Map<String, SignatureDef> signatures;
  private int users;
  private boolean retired;
  private boolean closed;
  private Runnable onClose = () -> {};

  private Servable(String model, long version, Path directory, SavedModelBundle bundle) {
    this.model = model;
    this.version = version;
    this.directory = directory;
    this.bundle = bundle;
    this.signatures = Map.copyOf(bundle.metaGraphDef().getSignatureDefMap());
  }

  /**
   * Loads the {@code serve} MetaGraph of a SavedModel version.
   *
   * @param model the model's name
   * @param version the version number
   * @param directory the version's folder
   * @param config the session configuration (threads)
   * @return the loaded servable
   * @throws ServingException NOT_FOUND or INVALID_ARGUMENT when it cannot be loaded
   */
  public static Servable load(String model, long version, Path directory, ConfigProto config) {
    try {
      SavedModelBundle bundle =
          SavedModelBundle.loader(directory.toString())
              .withTags("serve")
              .withConfigProto(config)
              .load();
      return new Servable(model, version, directory, bundle);
    } catch (RuntimeException e) {
      throw new ServingException(
          Code.INVALID_ARGUMENT, "cannot load " + directory + " (tag serve): " + e.getMessage(), e);
    }
  }

  /**
   * The model's name.
   *
   * @return the name
   */
  public String model() {
    return model;
  }

  /**
   * The version.
   *
   * @return the version number
   */
  public long version() {
    return version;
  }

  /**
   * Where it was loaded from.
   *
   * @return the version's folder
   */
  public Path directory() {
    return directory;
  }

  /**
   * The MetaGraph's signatures, by key.
   *
   * @return the signature defs
   */
  public Map<String, SignatureDef> signatures() {
    return signatures;
  }

  /**
   * Resolves a signature name ({@code ""} means {@value #DEFAULT_SIGNATURE}).
   *
   * @param name the requested name
   * @return the signature
   * @throws ServingException FAILED_PRECONDITION (as TF Serving) naming the signatures there are
   */
  public SignatureDef signature(String name) {
    String key = name == null || name.isEmpty() ? DEFAULT_SIGNATURE : name;
    SignatureDef def = signatures.get(key);
    if (def == null) {
      throw new ServingException(
          Code.FAILED_PRECONDITION,
          "Serving signature key \""
              + key
              + "\" not found in model "
              + model
              + " version "
              + version
              + " (signatures: "
              + new TreeSet<>(signatures.keySet())
              + ")");
    }
    return def;
  }

  /**
   * Takes a reference for one request.
   *
   * @return false when it is already retired (the caller looks again)
   */
  public synchronized boolean acquire() {
    if (retired) {
      return false;
    }
    users++;
    return true;
  }

  /** Drops a request's reference; closes the session if retired and unused. */
  public void release() {
    boolean close;
    synchronized (this) {
      users--;
      close = retired && users == 0 && !closed;
      closed |= close;
    }
    if (close) {
      closeNow();
    }
  }

  /**
   * Takes it out of service: new requests no longer get it; it closes when the last one ends.
   *
   * @param onClosed run once the session is closed (status END)
   */
  public void retire(Runnable onClosed) {
    boolean close;
    synchronized (this) {
      this.onClose = onClosed;
      retired = true;
      close = users == 0 && !closed;
      closed |= close;
    }
    if (close) {
      closeNow();
    }
  }

  private void closeNow() {
    bundle.close();
    onClose.run();
  }

  /**
   * Runs a signature. Every input of the signature must be given, with its dtype and a shape
   * compatible with the signature's; outputs are the signature's (all, or those filtered).
   *
   * @param signatureName the signature ({@code ""}: the default)
   * @param inputs tensors by the signature's input names
   * @param outputFilter output names to return; empty: all
   * @param timeoutMillis the session run's deadline; {@code <= 0}: none
   * @return tensors by output name, in the signature's order
   * @throws ServingException INVALID_ARGUMENT naming a wrong input, or TensorFlow's code
   */
  public Map<String, HostTensor> predict(
      String signatureName,
      Map<String, HostTensor> inputs,
      Collection<String> outputFilter,
      long timeoutMillis) {
    SignatureDef def = signature(signatureName);
    checkInputs(def, inputs);
    List<String> outputs = outputNames(def, outputFilter);
    Session.Runner runner = bundle.session().runner();
    List<Tensor> fed = new ArrayList<>();
    try {
      for (Map.Entry<String, TensorInfo> e : def.getInputsMap().entrySet()) {
        Tensor t = inputs.get(e.getKey()).toTensor();
        fed.add(t);
        runner.feed(e.getValue().getName(), t);
      }
      for (String name : outputs) {
        runner.fetch(def.getOutputsMap().get(name).getName());
      }
      if (timeoutMillis > 0) {
        runner.setOptions(RunOptions.newBuilder().setTimeoutInMs(timeoutMillis).build());
      }
      Map<String, HostTensor> out = new LinkedHashMap<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < outputs.size(); i++) {
          out.put(outputs.get(i), HostTensor.of(result.get(i)));
        }
      }
      return out;
    } catch (TFInvalidArgumentException e) {
      throw new ServingException(Code.INVALID_ARGUMENT, firstLine(e), e);
    } catch (TFOutOfRangeException e) {
      throw new ServingException(Code.OUT_OF_RANGE, firstLine(e), e);
    } catch (TFFailedPreconditionException e) {
      throw new ServingException(Code.FAILED_PRECONDITION, firstLine(e), e);
    } catch (TFResourceExhaustedException e) {
      throw new ServingException(Code.RESOURCE_EXHAUSTED, firstLine(e), e);
    } catch (ServingException e) {
      throw e;
    } catch (RuntimeException e) {
      String m = String.valueOf(e.getMessage());
      Code code =
          m.contains("Timed out") || m.contains("DEADLINE")
              ? Code.DEADLINE_EXCEEDED
              : Code.INTERNAL;
      throw new ServingException(code, firstLine(e), e);
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /**
   * The output names a request gets.
   *
   * @param def the signature
   * @param filter requested names; empty: all, in the signature's order
   * @return the names
   * @throws ServingException INVALID_ARGUMENT for a name the signature lacks
   */
  public static List<String> outputNames(SignatureDef def, Collection<String> filter) {
    if (filter == null || filter.isEmpty()) {
      return new ArrayList<>(new TreeSet<>(def.getOutputsMap().keySet()));
    }
    List<String> names = new ArrayList<>();
    for (String name : filter) {
      if (!def.getOutputsMap().containsKey(name)) {
        throw ServingException.invalidArgument(
            "output tensor alias not found in signature: "
                + name
                + " (outputs: "
                + new TreeSet<>(def.getOutputsMap().keySet())
                + ")");
      }
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * Checks names, dtypes and shapes against the signature, naming the first problem.
   *
   * @param def the signature
   * @param inputs the request's tensors
   */
  public static void checkInputs(SignatureDef def, Map<String, HostTensor> inputs) {
    Map<String, TensorInfo> expected = def.getInputsMap();
    for (String name : inputs.keySet()) {
      if (!expected.containsKey(name)) {
        throw ServingException.invalidArgument(
            "input tensor alias not found in signature: "
                + name
                + " (inputs: "
                + new TreeSet<>(expected.keySet())
                + ")");
      }
    }
    for (Map.Entry<String, TensorInfo> e : expected.entrySet()) {
      HostTensor t = inputs.get(e.getKey());
      if (t == null) {
        throw ServingException.invalidArgument(
            "input \""
                + e.getKey()
                + "\" is missing (inputs of the signature: "
                + new TreeSet<>(expected.keySet())
                + ")");
      }
      TensorInfo info = e.getValue();
      if (t.dtype() != info.getDtype()) {
        throw ServingException.invalidArgument(
            "input \""
                + e.getKey()
                + "\" has dtype "
                + t.dtype()
                + ", the signature expects "
                + info.getDtype());
      }
      if (!compatible(info.getTensorShape(), t.shape())) {
        throw ServingException.invalidArgument(
            "input \""
                + e.getKey()
                + "\" has shape "
                + Arrays.toString(t.shape())
                + ", the signature expects "
                + describe(info.getTensorShape()));
      }
    }
  }

  static boolean compatible(TensorShapeProto expected, long[] actual) {
    if (expected.getUnknownRank()) {
      return true;
    }
    if (expected.getDimCount() != actual.length) {
      return false;
    }
    for (int i = 0; i < actual.length; i++) {
      long d = expected.getDim(i).getSize();
      if (d >= 0 && d != actual[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * A signature shape as people write it: {@code [-1, 28, 28]}, {@code <unknown rank>}.
   *
   * @param shape the shape
   * @return its description
   */
  public static String describe(TensorShapeProto shape) {
    if (shape.getUnknownRank()) {
      return "<unknown rank>";
    }
    List<String> dims = new ArrayList<>();
    shape.getDimList().forEach(d -> dims.add(Long.toString(d.getSize())));
    return "[" + String.join(", ", dims) + "]";
  }
}
