package dev.fleuve.cep;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.functions.source.SourceFunction;
import org.apache.flink.util.Collector;

/**
 * The Flink side of the CEP benchmark: reads the CSV written by bench/cep/generate.ts
 * ({@code key,ts,type,amount}), runs one of three patterns keyed by {@code key} in event time at
 * parallelism 1 on a local MiniCluster, writes the matches in canonical form (one line per match,
 * sorted: {@code key|step=i,i|step=i} with event line numbers, steps in pattern order) and prints
 * one JSON line of figures.
 *
 * <pre>
 * cep-bench.sh --pattern fraud|spikes|absence --input FILE [--out matches.txt]
 * </pre>
 */
public final class CepBench {
  private CepBench() {}

  /** One input event; {@code idx} is its line number in the file (0-based). */
  public static final class Tx {
    public long idx;
    public long key;
    public long ts;
    public String type;
    public double amount;

    public Tx() {}
  }

  /** The step names of each pattern, in pattern order (the canonical lines list them so). */
  static String[] steps(String name) {
    switch (name) {
      case "fraud": return new String[] {"small", "large"};
      case "spikes": return new String[] {"rise", "hot", "critical"};
      case "absence": return new String[] {"order"};
      default: throw new IllegalArgumentException("unknown --pattern " + name + " (fraud, spikes, absence)");
    }
  }

  /** The three patterns (bench/cep/README.md says what each means; keep in sync with run.ts). */
  static Pattern<Tx, ?> pattern(String name) {
    switch (name) {
      case "fraud":
        // A small payment (< 10), then a large one (> 500) from the same card within 10 minutes.
        return Pattern.<Tx>begin("small").where(SimpleCondition.of(t -> t.amount < 10))
            .followedBy("large").where(SimpleCondition.of(t -> t.amount > 500))
            .within(Duration.ofMinutes(10));
      case "spikes":
        // A reading above 80, then one or more above 85 with no cooler reading in between, then one
        // above 90 right after, within 3 minutes; one alert per episode (skip past its last event).
        return Pattern.<Tx>begin("rise", AfterMatchSkipStrategy.skipPastLastEvent()).where(SimpleCondition.of(t -> t.amount > 80))
            .next("hot").where(SimpleCondition.of(t -> t.amount > 85)).oneOrMore().consecutive()
            .next("critical").where(SimpleCondition.of(t -> t.amount > 90))
            .within(Duration.ofMinutes(3));
      case "absence":
        // An order with no payment from the same customer within 15 minutes (emitted when the 15
        // minutes have passed, i.e. when the watermark passes them).
        return Pattern.<Tx>begin("order").where(SimpleCondition.of(t -> t.type.equals("order")))
            .notFollowedBy("payment").where(SimpleCondition.of(t -> t.type.equals("payment")))
            .within(Duration.ofMinutes(15));
      default:
        throw new IllegalArgumentException("unknown --pattern " + name + " (fraud, spikes, absence)");
    }
  }

  /** Reads the CSV file line by line (one split, so line numbers are the event ids). */
  static final class FileLines implements SourceFunction<Tx> {
    private final String path;
    private volatile boolean running = true;

    FileLines(String path) {
      this.path = path;
    }

    @Override
    public void run(SourceContext<Tx> ctx) throws Exception {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(new FileInputStream(path), StandardCharsets.ISO_8859_1), 1 << 16)) {
        String line;
        long idx = 0;
        while (running && (line = r.readLine()) != null) {
          if (line.isEmpty()) continue;
          int c1 = line.indexOf(',');
          int c2 = line.indexOf(',', c1 + 1);
          int c3 = line.indexOf(',', c2 + 1);
          Tx t = new Tx();
          t.idx = idx++;
          t.key = Long.parseLong(line, 0, c1, 10);
          t.ts = Long.parseLong(line, c1 + 1, c2, 10);
          t.type = line.substring(c2 + 1, c3);
          t.amount = Double.parseDouble(line.substring(c3 + 1));
          ctx.collect(t);
        }
      }
    }

    @Override
    public void cancel() {
      running = false;
    }
  }

  /** Renders a match as its canonical line. */
  static final class Canonical extends PatternProcessFunction<Tx, String> {
    private final String[] steps;

    Canonical(String[] steps) {
      this.steps = steps;
    }

    @Override
    public void processMatch(Map<String, List<Tx>> match, Context ctx, Collector<String> out) {
      StringBuilder sb = new StringBuilder();
      long key = -1;
      for (String s : steps) {
        List<Tx> evs = match.get(s);
        if (evs == null || evs.isEmpty()) continue;
        key = evs.get(0).key;
        sb.append('|').append(s).append('=');
        for (int i = 0; i < evs.size(); i++) {
          if (i > 0) sb.append(',');
          sb.append(evs.get(i).idx);
        }
      }
      out.collect(key + sb.toString());
    }
  }

  /** Keeps the match lines in this JVM (the MiniCluster runs in it); read after the job. */
  static final class Keep implements SinkFunction<String> {
    static final List<String> LINES = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void invoke(String value, Context context) {
      LINES.add(value);
    }
  }

  /** The process's peak resident set (VmHWM of /proc/self/status), MB; -1 where there is none. */
  static long peakRssMB() {
    try {
      for (String l : java.nio.file.Files.readAllLines(new File("/proc/self/status").toPath())) {
        if (l.startsWith("VmHWM:")) return Math.round(Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0);
      }
    } catch (java.io.IOException e) {
      return -1;
    }
    return -1;
  }

  public static void main(String[] args) throws Exception {
    String name = null;
    String input = null;
    String out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--pattern": name = args[++i]; break;
        case "--input": input = args[++i]; break;
        case "--out": out = args[++i]; break;
        default: throw new IllegalArgumentException("unknown option " + args[i] + " (--pattern --input --out)");
      }
    }
    if (name == null || input == null) throw new IllegalArgumentException("--pattern fraud|spikes|absence and --input FILE are required");
    String[] steps = steps(name);
    Pattern<Tx, ?> pattern = pattern(name);
    long events;
    try (var lines = java.nio.file.Files.lines(new File(input).toPath(), StandardCharsets.ISO_8859_1)) {
      events = lines.filter(l -> !l.isEmpty()).count();
    }

    // Peak heap: sampled every 10 ms by a daemon thread while the job runs.
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.setDaemon(true);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
    DataStream<Tx> in = env.addSource(new FileLines(input), "cep-input")
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Tx>forMonotonousTimestamps().withTimestampAssigner((t, p) -> t.ts));
    CEP.pattern(in.keyBy(t -> t.key), pattern).inEventTime().process(new Canonical(steps)).addSink(new Keep());

    System.gc();
    long heapBefore = mem.getHeapMemoryUsage().getUsed();
    sampler.start();
    long t0 = System.nanoTime();
    JobExecutionResult res = env.execute("cep-bench-" + name);
    long wallMs = (System.nanoTime() - t0) / 1_000_000;
    sampler.interrupt();
    long netMs = res.getNetRuntime();

    List<String> lines = new ArrayList<>(Keep.LINES);
    Collections.sort(lines);
    if (out != null) {
      try (PrintWriter w = new PrintWriter(new File(out), StandardCharsets.UTF_8)) {
        for (String l : lines) w.print(l + "\n");
      }
    }
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    for (String l : lines) md.update((l + "\n").getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (byte b : md.digest()) hex.append(String.format("%02x", b));
    System.out.println("{\"engine\":\"flink-cep-1.20.3\",\"pattern\":\"" + name + "\",\"events\":" + events
        + ",\"matches\":" + lines.size() + ",\"netMs\":" + netMs + ",\"wallMs\":" + wallMs
        + ",\"eventsPerSecond\":" + Math.round(events * 1000.0 / netMs)
        + ",\"peakHeapMB\":" + Math.round(peak.get() / 1048576.0)
        + ",\"heapBeforeMB\":" + Math.round(heapBefore / 1048576.0)
        + ",\"peakRssMB\":" + peakRssMB()
        + ",\"sha256\":\"" + hex + "\"}");
  }
}
