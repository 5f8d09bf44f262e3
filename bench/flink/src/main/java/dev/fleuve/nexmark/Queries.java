package dev.fleuve.nexmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Nexmark queries in Flink SQL, read from bench/nexmark/sql/q*.sql: the very files Fleuve's
 * `--api sql` runs, so the two sides cannot drift (docs/nexmark.md describes each query). A file
 * is a script: statements separated by ';', the last one the query; those before it (CREATE
 * TABLE of q13's side input, CREATE FUNCTION of q14's UDF, q9's SET of mini-batch options, which
 * NexmarkFlink puts into the table config) are run first. `${SIDE_INPUT}` stands
 * for the side input file's path. Tables: person, auction, bid, with dateTime (and
 * auction.expires) as TIMESTAMP_LTZ(3) event-time attributes.
 */
public final class Queries {
  private Queries() {}

  /** The folder of the q*.sql files: -Dnexmark.sql.dir (run.sh sets it). */
  static Path dir() {
    String d = System.getProperty("nexmark.sql.dir");
    if (d == null) throw new IllegalStateException("set -Dnexmark.sql.dir to bench/nexmark/sql");
    return Path.of(d);
  }

  /** Query name to its script's statements (the query last), in the order of the suite. */
  public static final Map<String, List<String>> SQL = load(dir());

  static Map<String, List<String>> load(Path dir) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> sorted = files.filter(p -> p.getFileName().toString().matches("q\\d+\\.sql"))
          .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", ""))))
          .toList();
      for (Path p : sorted) {
        String name = p.getFileName().toString().replace(".sql", "");
        out.put(name, statements(Files.readString(p, StandardCharsets.UTF_8)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The statements of a script: '--' comment lines dropped, split at ';' (none in our literals). */
  static List<String> statements(String script) {
    StringBuilder sb = new StringBuilder();
    for (String line : script.split("\n")) {
      if (!line.strip().startsWith("--")) sb.append(line).append('\n');
    }
    List<String> out = new ArrayList<>();
    for (String s : sb.toString().split(";")) {
      if (!s.isBlank()) out.add(s.strip());
    }
    return out;
  }
}
