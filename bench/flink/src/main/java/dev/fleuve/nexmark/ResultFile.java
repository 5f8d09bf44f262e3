package dev.fleuve.nexmark;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.FileReader;
import java.io.FileWriter;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Folds the changelog parts into the final table (a multiset: +1 per "+", -1 per "-"), sorts the
 * rows (String order = byte order for ASCII) and writes them one per line.
 */
public final class ResultFile {
  private ResultFile() {}

  /** Result of folding: row count and SHA-256 of the written file. */
  public static final class Summary {
    public final long rows;
    public final String sha256;
    public final long changelogLines;

    Summary(long rows, String sha256, long changelogLines) {
      this.rows = rows;
      this.sha256 = sha256;
      this.changelogLines = changelogLines;
    }
  }

  public static Summary fold(File partsDir, File out) throws Exception {
    Map<String, Long> counts = new HashMap<>();
    long lines = 0;
    File[] parts = partsDir.listFiles();
    if (parts != null) {
      for (File part : parts) {
        try (BufferedReader r = new BufferedReader(new FileReader(part), 1 << 20)) {
          String line;
          while ((line = r.readLine()) != null) {
            lines++;
            long d = line.charAt(0) == '+' ? 1 : -1;
            counts.merge(line.substring(1), d, Long::sum);
          }
        }
      }
    }
    List<String> rows = new ArrayList<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (e.getValue() < 0) throw new IllegalStateException("row retracted more often than inserted: " + e.getKey());
      for (long i = 0; i < e.getValue(); i++) rows.add(e.getKey());
    }
    Collections.sort(rows);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (BufferedWriter w = new BufferedWriter(new FileWriter(out), 1 << 20)) {
      for (String row : rows) {
        String l = row + "\n";
        w.write(l);
        md.update(l.getBytes(StandardCharsets.UTF_8));
      }
    }
    return new Summary(rows.size(), HexFormat.of().formatHex(md.digest()), lines);
  }
}
