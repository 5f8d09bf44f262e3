package dev.fleuve.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.RichSinkFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * The core benchmarks of bench/core on Apache Flink (DataStream API, local mode, parallelism 1,
 * default configuration): the same generated stream (bit-identical to bench/core/events.ts) and
 * the same results digest, so the output can be checked against Fleuve's. Throughput is timed
 * from the first generated record to the sink's close (MiniCluster start-up excluded).
 */
public final class CoreBench {
  static final int KEYS = 10_000;
  static final long START_TS = 1_767_225_600_000L;
  static final int OOO_MS = 100;

  /** One benchmark record (a POJO, as Flink users write them). */
  public static final class Event {
    public int key;
    public int value;
    public long ts;

    public Event() {}

    Event(int key, int value, long ts) {
      this.key = key;
      this.value = value;
      this.ts = ts;
    }
  }

  /** Output of the stateless pipeline. */
  public static final class Scored {
    public int key;
    public int score;

    public Scored() {}

    Scored(int key, int score) {
      this.key = key;
      this.score = score;
    }
  }

  /** A result with a key, a window end (0 when none) and an aggregate. */
  public static final class Result {
    public int key;
    public long end;
    public long agg;

    public Result() {}

    Result(int key, long end, long agg) {
      this.key = key;
      this.end = end;
      this.agg = agg;
    }
  }

  static long mix32(int i) {
    int x = (i ^ (i >>> 16)) * 0x45d9f3b;
    x = (x ^ (x >>> 16)) * 0x45d9f3b;
    return (x ^ (x >>> 16)) & 0xffffffffL;
  }

  static Event event(long i) {
    long h1 = mix32((int) i);
    long h2 = mix32((int) h1 ^ 0x9e3779b9);
    return new Event((int) (h1 % KEYS), (int) (1 + ((h1 >>> 14) % 100)), START_TS + i - (h2 % OOO_MS));
  }

  // Digest of the results (see bench/core/digest.ts); parallelism 1 in one JVM, so static is fine.
  static long n;
  static long total;
  static long sig;
  static volatile long firstNanos;
  static volatile long endNanos;
  // Process CPU time (all threads: task threads, GC, JIT) at the same two instants: on a shared
  // machine the wall-clock rate depends on the other processes.
  static volatile long firstCpuNanos;
  static volatile long endCpuNanos;

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static void add(int key, long window, long agg) {
    n++;
    total += agg;
    int w = (int) (window & 0xffffffffL) ^ (int) (window >>> 32);
    long h = mix32((int) mix32(key) ^ (int) mix32(w) ^ (int) agg);
    sig = (sig + h) & 0xffffffffL;
  }

  /** Folds results into the digest and notes when the input ended. */
  static final class DigestSink extends RichSinkFunction<Result> {
    @Override
    public void invoke(Result r, Context ctx) {
      add(r.key, r.end, r.agg);
    }

    @Override
    public void close() {
      endNanos = System.nanoTime();
      endCpuNanos = processCpuNanos();
    }
  }

  static final class CountAgg implements AggregateFunction<Event, Long, Long> {
    public Long createAccumulator() {
      return 0L;
    }

    public Long add(Event e, Long acc) {
      return acc + 1;
    }

    public Long getResult(Long acc) {
      return acc;
    }

    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  static final class SumAgg implements AggregateFunction<Event, Long, Long> {
    public Long createAccumulator() {
      return 0L;
    }

    public Long add(Event e, Long acc) {
      return acc + e.value;
    }

    public Long getResult(Long acc) {
      return acc;
    }

    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  static final class ToResult extends ProcessWindowFunction<Long, Result, Integer, TimeWindow> {
    @Override
    public void process(Integer key, Context ctx, Iterable<Long> aggs, Collector<Result> out) {
      for (Long a : aggs) out.collect(new Result(key, ctx.window().getEnd(), a));
    }
  }

  static final class RunningCount extends KeyedProcessFunction<Integer, Event, Result> {
    private transient ValueState<Long> count;

    @Override
    public void open(Configuration parameters) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<Result> out) throws Exception {
      Long c = count.value();
      long next = c == null ? 1 : c + 1;
      count.update(next);
      out.collect(new Result(e.key, 0, next));
    }
  }

  static DataStream<Result> pipeline(String name, DataStream<Event> s) {
    switch (name) {
      case "stateless":
        return s.map(e -> new Scored(e.key, e.value * 2 + 1))
            .filter(o -> o.key % 10 != 0)
            .map(o -> new Result(o.key, 0, o.score));
      case "tumbling":
        return s.keyBy(e -> e.key)
            .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
            .aggregate(new CountAgg(), new ToResult());
      case "sliding":
        return s.keyBy(e -> e.key)
            .window(SlidingEventTimeWindows.of(Duration.ofHours(1), Duration.ofMinutes(1)))
            .aggregate(new SumAgg(), new ToResult());
      case "session":
        return s.keyBy(e -> e.key)
            .window(EventTimeSessionWindows.withGap(Duration.ofSeconds(30)))
            .aggregate(new CountAgg(), new ToResult());
      case "keyed":
        return s.keyBy(e -> e.key).process(new RunningCount());
      default:
        throw new IllegalArgumentException("unknown benchmark " + name);
    }
  }

  static double run(String name, long events) throws Exception {
    n = 0;
    total = 0;
    sig = 0;
    firstNanos = 0;
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    GeneratorFunction<Long, Event> gen =
        i -> {
          if (i == 0) {
            firstNanos = System.nanoTime();
            firstCpuNanos = processCpuNanos();
          }
          return event(i);
        };
    DataGeneratorSource<Event> source =
        new DataGeneratorSource<>(gen, events, RateLimiterStrategy.noOp(), TypeInformation.of(Event.class));
    WatermarkStrategy<Event> wms =
        WatermarkStrategy.<Event>forBoundedOutOfOrderness(Duration.ofMillis(OOO_MS))
            .withTimestampAssigner((e, t) -> e.ts);
    pipeline(name, env.fromSource(source, wms, "Generator")).addSink(new DigestSink()).name("DigestSink");
    env.execute("flink-core-" + name);
    double secs = (endNanos - firstNanos) / 1e9;
    double eps = events / secs;
    double cpuSecs = (endCpuNanos - firstCpuNanos) / 1e9;
    System.out.printf(
        "RESULT {\"bench\":\"%s\",\"engine\":\"flink\",\"events\":%d,\"ms\":%.1f,\"eventsPerSec\":%.0f,\"cpuMs\":%.1f,\"eventsPerCpuSec\":%.0f,\"digest\":{\"n\":%d,\"total\":%d,\"sig\":%d}}%n",
        name, events, secs * 1000, eps, cpuSecs * 1000, events / cpuSecs, n, total, sig);
    return eps;
  }

  public static void main(String[] args) throws Exception {
    int runs = 3;
    long events = 10_000_000L;
    List<String> only = Arrays.asList("stateless", "tumbling", "sliding", "session", "keyed");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--events" -> events = Long.parseLong(args[++i]);
        case "--only" -> only = Arrays.asList(args[++i].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    for (String name : only) {
      List<Double> eps = new ArrayList<>();
      for (int r = 0; r < runs; r++) eps.add(run(name, events));
      Collections.sort(eps);
      System.out.printf("%s: median %.2fM events/s over %d runs%n", name, eps.get(eps.size() / 2) / 1e6, runs);
    }
  }
}
