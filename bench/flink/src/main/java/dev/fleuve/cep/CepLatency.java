package dev.fleuve.cep;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.PatternStream;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.SourceFunction;
import org.apache.flink.util.Collector;

/**
 * The Flink side of the CEP latency benchmark, the twin of bench/cep/latency-worker.ts (same
 * pacing, same patterns, same measure; see its comment): replays the CSV at a fixed rate of wall
 * time (event i due at start + i / rate), keyed by {@code key}, parallelism 1, on a local
 * MiniCluster with Flink's defaults (periodic watermarks every 200 ms, network buffer timeout 100 ms
 * unless {@code --buffer-timeout-ms}), in event or processing time, and prints percentiles of the
 * time from a match's completing moment to its process function's call.
 *
 * <pre>
 * run.sh cep-latency --pattern fraud|spikes|absence --input FILE [--rate 10000]
 *     [--time event|processing] [--warmup-s 5] [--buffer-timeout-ms MS]
 * </pre>
 */
public final class CepLatency {
  private CepLatency() {}

  /** One input event; {@code due} is the wall time (ms, System.nanoTime based) it was due at. */
  public static final class Tx {
    public long idx;
    public long key;
    public long ts;
    public String type;
    public double amount;
    public double due;

    public Tx() {}
  }

  // The MiniCluster runs in this JVM: the source and the match function share these.
  static volatile double start = -1;
  static double rate;
  static double scale;
  static double warmupMs;
  static double lastDue;
  static final List<Double> LATENCIES = Collections.synchronizedList(new ArrayList<>());
  static final java.util.concurrent.atomic.AtomicLong MATCHES = new java.util.concurrent.atomic.AtomicLong();
  static long[] keys;
  static long[] tss;
  static String[] types;
  static double[] amounts;

  static double nowMs() {
    return System.nanoTime() / 1e6;
  }

  static double dueAt(long i) {
    return start + i * 1000.0 / rate;
  }

  /** The patterns of CepBench with each within divided by {@code timeScale}. */
  static Pattern<Tx, ?> pattern(String name, double timeScale) {
    java.util.function.LongFunction<Duration> w = (ms) -> Duration.ofMillis(Math.round(ms / timeScale));
    switch (name) {
      case "fraud":
        return Pattern.<Tx>begin("small").where(SimpleCondition.of(t -> t.amount < 10))
            .followedBy("large").where(SimpleCondition.of(t -> t.amount > 500))
            .within(w.apply(10 * 60_000));
      case "spikes":
        return Pattern.<Tx>begin("rise", AfterMatchSkipStrategy.skipPastLastEvent()).where(SimpleCondition.of(t -> t.amount > 80))
            .next("hot").where(SimpleCondition.of(t -> t.amount > 85)).oneOrMore().consecutive()
            .next("critical").where(SimpleCondition.of(t -> t.amount > 90))
            .within(w.apply(3 * 60_000));
      case "absence":
        return Pattern.<Tx>begin("order").where(SimpleCondition.of(t -> t.type.equals("order")))
            .notFollowedBy("payment").where(SimpleCondition.of(t -> t.type.equals("payment")))
            .within(w.apply(15 * 60_000));
      default:
        throw new IllegalArgumentException("unknown --pattern " + name + " (fraud, spikes, absence)");
    }
  }

  static long withinMs(String name) {
    switch (name) {
      case "fraud": return 10 * 60_000;
      case "spikes": return 3 * 60_000;
      default: return 15 * 60_000;
    }
  }

  /** Emits event i when the wall clock reaches its due time. */
  static final class Paced implements SourceFunction<Tx> {
    private volatile boolean running = true;

    @Override
    public void run(SourceContext<Tx> ctx) {
      start = nowMs();
      lastDue = dueAt(tss.length - 1);
      for (int i = 0; i < tss.length && running; i++) {
        double due = dueAt(i);
        // Sleeps (no spinning, which would take CPU from the job on a shared machine).
        for (double wait = due - nowMs(); wait > 0; wait = due - nowMs()) LockSupport.parkNanos((long) (wait * 1e6));
        Tx t = new Tx();
        t.idx = i;
        t.key = keys[i];
        t.ts = tss[i];
        t.type = types[i];
        t.amount = amounts[i];
        t.due = due;
        synchronized (ctx.getCheckpointLock()) {
          ctx.collect(t);
        }
      }
    }

    @Override
    public void cancel() {
      running = false;
    }
  }

  /** Records the latency of each match (see the class comment). */
  static final class Measure extends PatternProcessFunction<Tx, Integer> {
    private final String name;
    private final String[] steps;
    private final boolean eventTime;
    private final double window;

    Measure(String name, String[] steps, boolean eventTime, double window) {
      this.name = name;
      this.steps = steps;
      this.eventTime = eventTime;
      this.window = window;
    }

    @Override
    public void processMatch(Map<String, List<Tx>> match, Context ctx, Collector<Integer> out) {
      double now = nowMs();
      MATCHES.incrementAndGet();
      double moment = 0;
      if (name.equals("absence")) {
        Tx order = match.get(steps[0]).get(0);
        moment = eventTime ? start + (order.ts + window) / scale : order.due + window;
      } else {
        for (String s : steps) {
          List<Tx> evs = match.get(s);
          if (evs == null) continue;
          for (Tx e : evs) moment = Math.max(moment, e.due);
        }
      }
      if (moment - start >= warmupMs && now <= lastDue) LATENCIES.add(now - moment);
    }
  }

  static double quantile(List<Double> sorted, double q) {
    if (sorted.isEmpty()) return Double.NaN;
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
  }

  static double r(double x) {
    return Math.round(x * 10) / 10.0;
  }

  public static void main(String[] args) throws Exception {
    String name = null;
    String input = null;
    String time = "event";
    long bufferTimeout = -2;
    rate = 10_000;
    warmupMs = 5_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--pattern": name = args[++i]; break;
        case "--input": input = args[++i]; break;
        case "--rate": rate = Double.parseDouble(args[++i]); break;
        case "--time": time = args[++i]; break;
        case "--warmup-s": warmupMs = Double.parseDouble(args[++i]) * 1000; break;
        case "--buffer-timeout-ms": bufferTimeout = Long.parseLong(args[++i]); break;
        default: throw new IllegalArgumentException("unknown option " + args[i] + " (--pattern --input --rate --time --warmup-s --buffer-timeout-ms)");
      }
    }
    if (name == null || input == null) throw new IllegalArgumentException("--pattern fraud|spikes|absence and --input FILE are required");
    if (!time.equals("event") && !time.equals("processing")) throw new IllegalArgumentException("--time must be event or processing");
    boolean eventTime = time.equals("event");
    String[] steps = CepBench.steps(name);

    List<String> lines = new ArrayList<>();
    for (String l : Files.readAllLines(new File(input).toPath(), StandardCharsets.ISO_8859_1)) if (!l.isEmpty()) lines.add(l);
    int n = lines.size();
    keys = new long[n];
    tss = new long[n];
    types = new String[n];
    amounts = new double[n];
    for (int i = 0; i < n; i++) {
      String[] p = lines.get(i).split(",");
      keys[i] = Long.parseLong(p[0]);
      tss[i] = Long.parseLong(p[1]);
      types[i] = p[2];
      amounts[i] = Double.parseDouble(p[3]);
    }
    lines = null;
    // Event ms per wall ms: the file's event-time span replayed in n / rate seconds.
    scale = ((double) tss[n - 1] / (n - 1)) * rate / 1000.0;
    double window = eventTime ? withinMs(name) : withinMs(name) / scale;

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
    env.getConfig().setAutoWatermarkInterval(200);
    if (bufferTimeout != -2) env.setBufferTimeout(bufferTimeout);
    DataStream<Tx> in = env.addSource(new Paced(), "cep-input")
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Tx>forMonotonousTimestamps().withTimestampAssigner((t, p) -> t.ts));
    PatternStream<Tx> ps = CEP.pattern(in.keyBy(t -> t.key), pattern(name, eventTime ? 1 : scale));
    ps = eventTime ? ps.inEventTime() : ps.inProcessingTime();
    ps.process(new Measure(name, steps, eventTime, window)).addSink(new DiscardingSink<>());

    long t0 = System.nanoTime();
    env.execute("cep-latency-" + name);
    long wallMs = (System.nanoTime() - t0) / 1_000_000;
    List<Double> lat = new ArrayList<>(LATENCIES);
    Collections.sort(lat);
    System.out.println("{\"engine\":\"flink-cep-1.20.3\",\"pattern\":\"" + name + "\",\"time\":\"" + time
        + "\",\"events\":" + n + ",\"rate\":" + Math.round(rate) + ",\"scale\":" + r(scale)
        + ",\"bufferTimeoutMs\":" + (bufferTimeout == -2 ? "\"default\"" : String.valueOf(bufferTimeout))
        + ",\"matches\":" + MATCHES.get() + ",\"measured\":" + lat.size()
        + ",\"p50Ms\":" + r(quantile(lat, 0.5)) + ",\"p90Ms\":" + r(quantile(lat, 0.9))
        + ",\"p99Ms\":" + r(quantile(lat, 0.99)) + ",\"p999Ms\":" + r(quantile(lat, 0.999))
        + ",\"maxMs\":" + r(lat.isEmpty() ? Double.NaN : lat.get(lat.size() - 1))
        + ",\"wallMs\":" + wallMs + "}");
  }
}
