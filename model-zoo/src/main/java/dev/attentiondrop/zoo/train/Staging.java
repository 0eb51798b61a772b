package dev.attentiondrop.zoo.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Hidden work folders beside a result that a killed process never leaves behind for good.
 *
 * <p>An open staging session in a folder {@code P} holds an exclusive lock on {@code
 * P/.attentiondrop-<id>.lock}, created before and deleted after its work folders {@code
 * P/.tmp-<label>-<id>} (a result being written) and {@code P/.old-<label>-<id>} (the previous
 * {@code P/<label>}, moved aside while its replacement moves in). The operating system releases the
 * lock when the process ends, {@code kill -9} included, so the next session in {@code P} tells a
 * live session's folders (lock held) from a dead one's (lock free, or its file gone) and recovers
 * only the latter: a {@code .tmp-} folder is deleted; a {@code .old-} folder is moved back to
 * {@code P/<label>} when that is missing (the replacement never arrived), and deleted otherwise.
 * Nothing else in {@code P} is looked at.
 *
 * <pre>{@code
 * try (Staging staging = Staging.open(base)) {   // recovers what killed sessions left
 *   Path tmp = staging.create("3");              // base/.tmp-3-<id>
 *   write(tmp);
 *   staging.commit(tmp, "3");                    // base/3, atomically (the old one aside first)
 * }                                              // anything left is removed; the lock goes
 * }</pre>
 */
public final class Staging implements AutoCloseable {
  private static final Pattern WORK = Pattern.compile("\\.(tmp|old)-(.+)-([0-9a-f]{32})");
  private static final Pattern LOCK = Pattern.compile("\\.attentiondrop-([0-9a-f]{32})\\.lock");

  private final Path parent;
  private final String id;
  private final Path lockFile;
  private final FileChannel channel;

  private Staging(Path parent, String id, Path lockFile, FileChannel channel) {
    this.parent = parent;
    this.id = id;
    this.lockFile = lockFile;
    this.channel = channel;
  }

  /**
   * Opens a session in {@code parent} (made if missing), first recovering what killed sessions left
   * there ({@link #recoverStale}).
   *
   * @param parent the folder that receives the results
   * @return the open session; close it (try-with-resources)
   * @throws IOException if the folder or the lock file cannot be made
   */
  public static Staging open(Path parent) throws IOException {
    Files.createDirectories(parent);
    recoverStale(parent);
    for (int attempt = 0; ; attempt++) {
      String id = UUID.randomUUID().toString().replace("-", "");
      Path lockFile = parent.resolve(".attentiondrop-" + id + ".lock");
      FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        channel.lock();
        // a concurrent recovery may have taken the fresh file before the lock and deleted it
        if (Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
          return new Staging(parent, id, lockFile, channel);
        }
      } catch (OverlappingFileLockException raced) {
        // this JVM's own recovery holds it for a moment: take another id
      }
      channel.close();
      if (attempt == 3) {
        throw new IOException(parent + ": could not lock a staging file (concurrent cleanup?)");
      }
    }
  }

  /**
   * Creates a new, empty work folder {@code .tmp-<label>-<id>} to write a result into.
   *
   * @param label the result's name in the parent folder, e.g. a version number
   * @return the folder
   * @throws IOException if it cannot be made
   */
  public Path create(String label) throws IOException {
    return Files.createDirectory(parent.resolve(".tmp-" + checkLabel(label) + "-" + id));
  }

  /**
   * Moves the finished {@code staged} folder (from {@link #create}) to {@code parent/<label>}
   * atomically. An existing {@code parent/<label>} is first moved aside (renamed to {@code
   * .old-<label>-<id>}) and deleted after the move; a process killed between the two renames leaves
   * it to be moved back by the next session.
   *
   * @param staged the finished work folder
   * @param label the result's name
   * @param replace whether an existing {@code parent/<label>} may be replaced
   * @return {@code parent/<label>}
   * @throws java.nio.file.FileAlreadyExistsException if it exists and {@code replace} is false
   *     (another process committed it meanwhile)
   * @throws IOException if a rename fails (the old result is then moved back)
   */
  public Path commit(Path staged, String label, boolean replace) throws IOException {
    CrashPoint.reach("staging.staged");
    Path target = parent.resolve(checkLabel(label));
    boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
    if (exists && !replace) {
      throw new FileAlreadyExistsException(
          target.toString(), null, "written meanwhile by another process; not replaced");
    }
    if (exists) {
      Path aside = parent.resolve(".old-" + label + "-" + id);
      Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
      CrashPoint.reach("staging.aside");
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
      RunDirectory.deleteRecursively(aside);
    } else {
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    }
    CrashPoint.reach("staging.committed");
    return target;
  }

  /**
   * Removes this session's remaining work folders (moving a result set aside back, should its
   * replacement have failed), then deletes and releases the lock.
   *
   * @throws IOException if a folder cannot be removed
   */
  @Override
  public void close() throws IOException {
    try {
      recover(parent, id);
      Files.deleteIfExists(lockFile);
    } finally {
      channel.close();
    }
  }

  /**
   * Recovers the work folders of sessions in {@code parent} that are no longer running (their
   * process ended without closing them, for example killed): see the class comment. Live sessions,
   * in this process or another, are left alone.
   *
   * @param parent the folder to look in (nothing happens if it does not exist)
   * @return how many dead sessions were recovered
   * @throws IOException if a folder cannot be listed, moved or deleted
   */
  public static int recoverStale(Path parent) throws IOException {
    if (!Files.isDirectory(parent)) {
      return 0;
    }
    List<String> locks = new ArrayList<>();
    Set<String> orphans = new LinkedHashSet<>();
    try (Stream<Path> entries = Files.list(parent)) {
      for (Path p : entries.toList()) {
        String name = p.getFileName().toString();
        Matcher lock = LOCK.matcher(name);
        Matcher work = WORK.matcher(name);
        if (lock.matches()) {
          locks.add(lock.group(1));
        } else if (work.matches()) {
          orphans.add(work.group(3));
        }
      }
    }
    int recovered = 0;
    for (String id : locks) {
      orphans.remove(id);
      if (recoverIfDead(parent, id)) {
        recovered++;
      }
    }
    for (String id : orphans) {
      // work folders whose lock file is gone: a recovery that was itself interrupted
      if (Files.exists(parent.resolve(".attentiondrop-" + id + ".lock"))) {
        if (recoverIfDead(parent, id)) {
          recovered++;
        }
      } else {
        recover(parent, id);
        recovered++;
      }
    }
    return recovered;
  }

  private static boolean recoverIfDead(Path parent, String id) throws IOException {
    Path lockFile = parent.resolve(".attentiondrop-" + id + ".lock");
    FileChannel channel;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException gone) {
      return false; // closed meanwhile
    }
    try (channel) {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException live) {
        return false; // held by this process
      }
      if (lock == null) {
        return false; // held by another live process
      }
      recover(parent, id);
      Files.deleteIfExists(lockFile);
      return true;
    }
  }

  /** Deletes session {@code id}'s {@code .tmp-} folders and settles its {@code .old-} ones. */
  private static void recover(Path parent, String id) throws IOException {
    List<Path> work;
    try (Stream<Path> entries = Files.list(parent)) {
      work =
          entries
              .filter(
                  p -> {
                    Matcher m = WORK.matcher(p.getFileName().toString());
                    return m.matches() && m.group(3).equals(id);
                  })
              .toList();
    }
    for (Path p : work) {
      Matcher m = WORK.matcher(p.getFileName().toString());
      if (!m.matches()) {
        continue;
      }
      Path target = parent.resolve(m.group(2));
      if (m.group(1).equals("old") && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
      } else {
        RunDirectory.deleteRecursively(p);
      }
    }
  }

  private static String checkLabel(String label) {
    if (label == null
        || label.isEmpty()
        || label.startsWith(".")
        || label.contains("/")
        || label.contains("\\")) {
      throw new IllegalArgumentException(
          "a staged result's name must be a plain file name (no '/', not starting with '.'), got '"
              + label
              + "'");
    }
    return label;
  }
}
