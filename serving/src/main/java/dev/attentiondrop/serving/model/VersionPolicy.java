package dev.attentiondrop.serving.model;

import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which of the numbered versions under a model's base path are served: TF Serving's {@code
 * ServableVersionPolicy} ({@code latest}, {@code all}, {@code specific}).
 */
public sealed interface VersionPolicy {
  /**
   * The versions to serve out of those on disk.
   *
   * @param onDisk the numbered versions present
   * @return the versions to serve
   */
  NavigableSet<Long> choose(NavigableSet<Long> onDisk);

  /**
   * The newest {@code n} versions (TF Serving's default, {@code n = 1}).
   *
   * @param n how many, {@code >= 1}
   */
  record Latest(int n) implements VersionPolicy {
    /**
     * Checks {@code n}.
     *
     * @param n how many, {@code >= 1}
     */
    public Latest {
      if (n < 1) {
        throw new IllegalArgumentException("latest num_versions must be >= 1, got " + n);
      }
    }

    @Override
    public NavigableSet<Long> choose(NavigableSet<Long> onDisk) {
      NavigableSet<Long> out = new TreeSet<>();
      for (Long v : onDisk.descendingSet()) {
        if (out.size() == n) {
          break;
        }
        out.add(v);
      }
      return out;
    }
  }

  /** Every version on disk. */
  record All() implements VersionPolicy {
    @Override
    public NavigableSet<Long> choose(NavigableSet<Long> onDisk) {
      return new TreeSet<>(onDisk);
    }
  }

  /**
   * Exactly the listed versions (those present).
   *
   * @param versions the versions
   */
  record Specific(Set<Long> versions) implements VersionPolicy {
    /**
     * Copies the set.
     *
     * @param versions at least one version
     */
    public Specific {
      if (versions.isEmpty()) {
        throw new IllegalArgumentException("specific versions must list at least one version");
      }
      versions = Set.copyOf(versions);
    }

    @Override
    public NavigableSet<Long> choose(NavigableSet<Long> onDisk) {
      NavigableSet<Long> out = new TreeSet<>(onDisk);
      out.retainAll(versions);
      return out;
    }
  }

  /**
   * The default policy: the latest version.
   *
   * @return {@code Latest(1)}
   */
  static VersionPolicy latest() {
    return new Latest(1);
  }

  /**
   * Exactly these versions.
   *
   * @param versions the versions
   * @return the policy
   */
  static VersionPolicy specific(List<Long> versions) {
    return new Specific(Set.copyOf(versions));
  }
}
