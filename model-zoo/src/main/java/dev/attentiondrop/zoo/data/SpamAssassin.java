package dev.attentiondrop.zoo.data;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the SpamAssassin public mail corpus, keeping only message bodies: everything up to the
 * first blank line (the mbox {@code From } line and all RFC 822 headers, including {@code X-Spam-*}
 * and mailing-list headers that would give the label away) is dropped. Labels: 0 = ham, 1 = spam.
 *
 * <p>Two layouts are read: the corpus directory cached by {@code scripts/fetch-data.sh} (one folder
 * per group, {@code easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2}, one {@code .txt} file per
 * message) and the compact TSV of the shipped subset, written by {@link #writeTsv}: a {@code
 * label\ttext} header line, then one {@code <label>\t<body>} line per message with backslash, tab,
 * CR and LF escaped as {@code \\ \t \r \n}, UTF-8, gzipped.
 */
public final class SpamAssassin {
  /** Class names, indexed by label. */
  public static final List<String> CLASSES = List.of("ham", "spam");

  /** Message groups of the corpus, in the order they are read. */
  public static final List<String> GROUPS =
      List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2");

  private static final Pattern BLANK_LINE = Pattern.compile("\r?\n\r?\n");
  private static final String TSV_HEADER = "label\ttext";

  private SpamAssassin() {}

  /**
   * Reads every message of the corpus directory as split {@code "all"}, groups in {@link #GROUPS}
   * order, files sorted by name within a group. A message is decoded as strict UTF-8, or as
   * ISO-8859-1 if it is not valid UTF-8, and only its {@link #body} is kept; groups whose name
   * starts with {@code spam} are labelled 1, the others 0.
   *
   * @param name the dataset name to record
   * @param dir the corpus folder, holding one folder per group of {@link #GROUPS}
   * @param source origin and license of the data, to record
   * @return the message bodies with their labels
   * @throws IOException if a file cannot be read, a group holds no {@code .txt} file, or a message
   *     has no blank line ending its headers (a {@link DatasetFormatException})
   */
  public static TextDataset readCorpus(String name, Path dir, String source) throws IOException {
    List<String> texts = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (String group : GROUPS) {
      Path groupDir = dir.resolve(group);
      List<Path> files;
      try (Stream<Path> s = Files.list(groupDir)) {
        files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
      }
      if (files.isEmpty()) {
        throw new DatasetFormatException(groupDir.toString(), "message files *.txt", "none");
      }
      for (Path file : files) {
        texts.add(body(file.toString(), decode(Files.readAllBytes(file))));
        labels.add(group.startsWith("spam") ? 1 : 0);
      }
    }
    return new TextDataset(
        name,
        "all",
        texts.toArray(String[]::new),
        labels.stream().mapToInt(Integer::intValue).toArray(),
        CLASSES,
        source);
  }

  /**
   * The body of an e-mail: the text after the first blank line ({@code \n\n}, with an optional
   * {@code \r} before either newline).
   *
   * @param file the message's file, named in the error
   * @param message the whole message, headers included
   * @return everything after the first blank line
   * @throws DatasetFormatException if there is no blank line, so no end of the headers
   */
  public static String body(String file, String message) throws DatasetFormatException {
    Matcher m = BLANK_LINE.matcher(message);
    if (!m.find()) {
      throw new DatasetFormatException(
          file, "e-mail headers ended by a blank line", "no blank line");
    }
    return message.substring(m.end());
  }

  /**
   * Reads a subset TSV (see the class comment) as split {@code split}.
   *
   * @param name the dataset name to record
   * @param split the split name to record
   * @param tsv the TSV file, gzipped or not
   * @param source origin and license of the data, to record
   * @return the texts with their labels, in file order
   * @throws IOException if the file cannot be read, or lacks the header or the final newline, or
   *     holds a malformed line or escape (a {@link DatasetFormatException} naming the line)
   */
  public static TextDataset readTsv(String name, String split, Path tsv, String source)
      throws IOException {
    return readTsv(name, split, RawFile.of(tsv), source);
  }

  static TextDataset readTsv(String name, String split, RawFile tsv, String source)
      throws DatasetFormatException {
    byte[] b = tsv.bytes();
    if (b.length > 0 && b[b.length - 1] != '\n') {
      throw new DatasetFormatException(
          tsv.name(), "a final newline", "none: the file is truncated");
    }
    List<String> lines = new String(b, StandardCharsets.UTF_8).lines().toList();
    if (lines.isEmpty() || !lines.get(0).equals(TSV_HEADER)) {
      throw new DatasetFormatException(
          tsv.name(),
          "header line '" + TSV_HEADER.replace("\t", "\\t") + "'",
          lines.isEmpty() ? "an empty file" : "'" + lines.get(0) + "'");
    }
    String[] texts = new String[lines.size() - 1];
    int[] labels = new int[texts.length];
    for (int i = 0; i < texts.length; i++) {
      String line = lines.get(i + 1);
      int tab = line.indexOf('\t');
      if (tab != 1 || line.charAt(0) < '0' || line.charAt(0) >= '0' + CLASSES.size()) {
        throw new DatasetFormatException(
            tsv.name(),
            "'<label 0 or 1>\\t<text>' on line " + (i + 2),
            "'" + line.substring(0, Math.min(line.length(), 20)) + "...'");
      }
      labels[i] = line.charAt(0) - '0';
      texts[i] = unescape(tsv.name(), line.substring(2), i + 2);
    }
    return new TextDataset(name, split, texts, labels, CLASSES, source);
  }

  /**
   * Writes {@code data} as a gzipped subset TSV, the inverse of {@link #readTsv}; closes {@code
   * out}.
   *
   * @param data the texts and labels to write (labels 0 or 1)
   * @param out receives the gzipped UTF-8 TSV
   * @throws IOException if writing fails
   */
  public static void writeTsv(TextDataset data, OutputStream out) throws IOException {
    try (Writer w = new OutputStreamWriter(RawFile.gzip(out), StandardCharsets.UTF_8)) {
      w.write(TSV_HEADER + "\n");
      for (int i = 0; i < data.size(); i++) {
        w.write(data.labels()[i] + "\t" + escape(data.texts()[i]) + "\n");
      }
    }
  }

  /** Strict UTF-8, or ISO-8859-1 (which never fails) for the older 8-bit messages. */
  private static String decode(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n");
  }

  private static String unescape(String file, String s, int line) throws DatasetFormatException {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = ++i < s.length() ? s.charAt(i) : ' ';
      switch (e) {
        case '\\' -> out.append('\\');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'n' -> out.append('\n');
        default ->
            throw new DatasetFormatException(
                file, "an escape \\\\, \\t, \\r or \\n on line " + line, "'\\" + e + "'");
      }
    }
    return out.toString();
  }
}
