package dev.fleuve.nexmark;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/**
 * Generates the stream, prints its SHA-256 stream hash (the same as bench/nexmark/generate.ts
 * prints) and optionally writes the CSV event file.
 */
public final class Generate {
  private Generate() {}

  /** SHA-256 over the CSV lines of positions [0, events), each followed by '\n'. */
  public static String streamHash(NexmarkGenerator gen, OutputStream out) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    StringBuilder sb = new StringBuilder(1 << 21);
    long n = gen.config.events;
    for (long i = 0; i < n; i++) {
      EventCsv.render(gen.eventAt(i), sb);
      sb.append('\n');
      if (sb.length() >= (1 << 20)) flush(sb, md, out);
    }
    flush(sb, md, out);
    return HexFormat.of().formatHex(md.digest());
  }

  private static void flush(StringBuilder sb, MessageDigest md, OutputStream out) throws Exception {
    byte[] bytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    md.update(bytes);
    if (out != null) out.write(bytes);
    sb.setLength(0);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = Args.parse(args);
    NexmarkConfig cfg = Args.config(opts);
    NexmarkGenerator gen = new NexmarkGenerator(cfg);
    String outPath = opts.get("out");
    long t0 = System.nanoTime();
    String hash;
    if (outPath != null) {
      try (OutputStream out = new BufferedOutputStream(new FileOutputStream(outPath), 1 << 20)) {
        hash = streamHash(gen, out);
      }
    } else {
      hash = streamHash(gen, null);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.println(
        "{\"events\":" + cfg.events + ",\"seed\":" + cfg.seed + ",\"hash\":\"" + hash + "\",\"maxOutOfOrdernessMs\":"
            + cfg.maxOutOfOrdernessMs() + ",\"seconds\":" + Math.round(seconds * 1000) / 1000.0
            + ",\"eventsPerSecond\":" + Math.round(cfg.events / seconds) + "}");
  }
}
