package dev.attentiondrop.serving.model;

import dev.attentiondrop.serving.ServingException;
import dev.attentiondrop.serving.model.VersionStatus.State;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.tensorflow.proto.ConfigProto;

/**
 * Finds, loads, switches and unloads the versions of the served models: TF Serving's file system
 * source and availability-preserving manager in one class.
 *
 * <p>Every poll lists each base path's numbered folders (names of digits only; temporary, hidden
 * and other folders are ignored, so this project's atomic exports are never seen half written),
 * loads the versions the policy wants that are not loaded yet, then switches the served set in one
 * atomic step and retires the versions no longer wanted. A retired version closes after the
 * requests holding it finish, so a switch fails no request. When none of the wanted versions could
 * be loaded the versions served before stay served.
 */
public final class ModelManager implements AutoCloseable {
  private static final Logger LOG = System.getLogger(ModelManager.class.getName());
  private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

  /** Load attempts of one version before giving up on it (TF Serving's max_num_load_retries). */
  static final int MAX_LOAD_ATTEMPTS = 5;

  private final Map<String, Model> models = new LinkedHashMap<>();
  private final ConfigProto sessionConfig;
  private final Duration pollWait;
  private final Consumer<String> log;
  private ScheduledExecutorService poller;

  private static final class Model {
    final ServedModel config;
    volatile NavigableMap<Long, Servable> live = Collections.emptyNavigableMap();
    final ConcurrentSkipListMap<Long, VersionStatus> status = new ConcurrentSkipListMap<>();
    final Map<Long, Integer> failures = new ConcurrentHashMap<>();

    Model(ServedModel config) {
      this.config = config;
    }
  }

  /**
   * A manager of the given models; nothing loads before {@link #start()}.
   *
   * @param configs the models (unique names)
   * @param sessionConfig the sessions' configuration
   * @param pollWait time between polls of the base paths; zero: poll once, at start
   * @param log where one-line events go (loads, unloads, failures)
   */
  public ModelManager(
      List<ServedModel> configs,
      ConfigProto sessionConfig,
      Duration pollWait,
      Consumer<String> log) {
    for (ServedModel c : configs) {
      if (models.putIfAbsent(c.name(), new Model(c)) != null) {
        throw new IllegalArgumentException("model name " + c.name() + " is configured twice");
      }
    }
    this.sessionConfig = sessionConfig;
    this.pollWait = pollWait;
    this.log = log;
  }

  /** Polls once (loading the initial versions), then keeps polling in the background. */
  public synchronized void start() {
    pollAll();
    if (!pollWait.isZero() && poller == null) {
      poller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "model-version-poller");
                t.setDaemon(true);
                return t;
              });
      long ms = Math.max(1, pollWait.toMillis());
      poller.scheduleWithFixedDelay(this::pollAllSafely, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  private void pollAllSafely() {
    try {
      pollAll();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "version poll failed", e);
    }
  }

  /** One poll of every base path (synchronized: polls never overlap). */
  public synchronized void pollAll() {
    for (Model m : models.values()) {
      poll(m);
    }
  }

  /**
   * The numbered versions in a base path.
   *
   * @param basePath the folder
   * @return its version numbers (folders named by digits only), ascending
   * @throws IOException when the folder cannot be listed
   */
  public static NavigableSet<Long> versionsOnDisk(Path basePath) throws IOException {
    NavigableSet<Long> out = new TreeSet<>();
    try (Stream<Path> children = Files.list(basePath)) {
      for (Path p : (Iterable<Path>) children::iterator) {
        String name = p.getFileName().toString();
        if (VERSION.matcher(name).matches() && Files.isDirectory(p)) {
          out.add(Long.parseLong(name));
        }
      }
    }
    return out;
  }

  private void poll(Model m) {
    NavigableSet<Long> onDisk;
    try {
      onDisk = versionsOnDisk(m.config.basePath());
    } catch (IOException e) {
      log.accept(
          "warning: cannot list the base path of model "
              + m.config.name()
              + " ("
              + m.config.basePath()
              + "): "
              + e.getMessage());
      return;
    }
    NavigableSet<Long> wanted = m.config.policy().choose(onDisk);
    NavigableMap<Long, Servable> before = m.live;
    NavigableMap<Long, Servable> next = new TreeMap<>();
    for (Long v : wanted) {
      Servable s = before.get(v);
      if (s == null) {
        s = load(m, v);
      }
      if (s != null) {
        next.put(v, s);
      }
    }
    if (next.isEmpty() && !before.isEmpty() && !wanted.isEmpty()) {
      return; // nothing wanted could load: keep serving what was served
    }
    if (next.equals(before)) {
      return;
    }
    m.live = Collections.unmodifiableNavigableMap(next);
    for (Map.Entry<Long, Servable> e : before.entrySet()) {
      if (!next.containsKey(e.getKey())) {
        long v = e.getKey();
        m.status.put(v, VersionStatus.ok(v, State.UNLOADING));
        log.accept("unloading model " + m.config.name() + " version " + v);
        e.getValue()
            .retire(
                () -> {
                  m.status.put(v, VersionStatus.ok(v, State.END));
                  log.accept("unloaded model " + m.config.name() + " version " + v);
                });
      }
    }
  }

  private Servable load(Model m, long v) {
    int failed = m.failures.getOrDefault(v, 0);
    if (failed >= MAX_LOAD_ATTEMPTS) {
      return null;
    }
    m.status.put(v, VersionStatus.ok(v, State.LOADING));
    Path dir = m.config.basePath().resolve(Long.toString(v));
    try {
      Servable s = Servable.load(m.config.name(), v, dir, sessionConfig);
      m.status.put(v, VersionStatus.ok(v, State.AVAILABLE));
      m.failures.remove(v);
      log.accept("loaded model " + m.config.name() + " version " + v + " from " + dir);
      return s;
    } catch (ServingException e) {
      m.failures.put(v, failed + 1);
      m.status.put(v, new VersionStatus(v, State.END, e.code(), e.getMessage()));
      log.accept(
          "warning: model "
              + m.config.name()
              + " version "
              + v
              + " failed to load (attempt "
              + (failed + 1)
              + " of "
              + MAX_LOAD_ATTEMPTS
              + "): "
              + e.getMessage());
      return null;
    }
  }

  /**
   * The configured model names.
   *
   * @return the names, in configuration order
   */
  public List<String> modelNames() {
    return List.copyOf(models.keySet());
  }

  private Model model(String name) {
    Model m = models.get(name);
    if (m == null) {
      throw ServingException.notFound(
          "Servable not found for request: model \""
              + name
              + "\" is not served (models: "
              + models.keySet()
              + ")");
    }
    return m;
  }

  /**
   * Takes a served version for one request; the caller must {@link Servable#release()} it.
   *
   * @param name the model
   * @param version a specific version, or empty for the latest served
   * @param label a version label, or null
   * @return the servable, acquired
   * @throws ServingException NOT_FOUND naming what was asked for and what is served
   */
  public Servable acquire(String name, OptionalLong version, String label) {
    Model m = model(name);
    while (true) {
      NavigableMap<Long, Servable> live = m.live;
      Servable s;
      String asked;
      if (label != null && !label.isEmpty()) {
        Long v = m.config.labels().get(label);
        if (v == null) {
          throw ServingException.invalidArgument(
              "Unrecognized servable version label: "
                  + label
                  + " (labels of model "
                  + name
                  + ": "
                  + new TreeSet<>(m.config.labels().keySet())
                  + ")");
        }
        s = live.get(v);
        asked = "Specific(" + name + ", " + v + ") for label " + label;
      } else if (version.isPresent()) {
        s = live.get(version.getAsLong());
        asked = "Specific(" + name + ", " + version.getAsLong() + ")";
      } else {
        s = live.isEmpty() ? null : live.lastEntry().getValue();
        asked = "Latest(" + name + ")";
      }
      if (s == null) {
        throw ServingException.notFound(
            "Servable not found for request: "
                + asked
                + " (versions served: "
                + (live.isEmpty() ? "none" : live.keySet())
                + ")");
      }
      if (s.acquire()) {
        return s;
      }
    }
  }

  /**
   * The versions' states, as {@code GetModelStatus} reports them.
   *
   * @param name the model
   * @param version one version, or empty for all known
   * @return the statuses, newest version first
   * @throws ServingException NOT_FOUND for an unknown model or a version never seen
   */
  public List<VersionStatus> status(String name, OptionalLong version) {
    Model m = model(name);
    List<VersionStatus> out = new ArrayList<>();
    if (version.isPresent()) {
      VersionStatus s = m.status.get(version.getAsLong());
      if (s == null) {
        throw ServingException.notFound(
            "Could not find version " + version.getAsLong() + " of model " + name);
      }
      out.add(s);
    } else {
      out.addAll(m.status.descendingMap().values());
      if (out.isEmpty()) {
        throw ServingException.notFound(
            "Could not find any versions of model "
                + name
                + " (none under "
                + m.config.basePath()
                + ")");
      }
    }
    return out;
  }

  /**
   * The configuration of a served model.
   *
   * @param name the model
   * @return its configuration
   */
  public ServedModel config(String name) {
    return model(name).config;
  }

  /**
   * Whether every model serves at least one version.
   *
   * @return true when ready
   */
  public boolean ready() {
    return models.values().stream().noneMatch(m -> m.live.isEmpty());
  }

  /** Stops polling and retires every version (each closes when its requests finish). */
  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
      try {
        poller.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Model m : models.values()) {
      NavigableMap<Long, Servable> live = m.live;
      m.live = Collections.emptyNavigableMap();
      live.forEach(
          (v, s) -> {
            m.status.put(v, VersionStatus.ok(v, State.UNLOADING));
            s.retire(() -> m.status.put(v, VersionStatus.ok(v, State.END)));
          });
    }
  }
}
