package dev.fleuve.nexmark;

import java.io.File;
import java.nio.file.Files;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * Runs Nexmark queries on a local Flink MiniCluster over the bounded generated stream (or an
 * event file), writes the canonical result table and prints one JSON line of figures per query.
 *
 * <pre>
 * run.sh query --query q5[,q7|all] [--events 1000000] [--seed 42] [--parallelism 1]
 *              [--input events.csv] [--out-dir results] [--rate 10000] [--ooo-group 1000]
 * </pre>
 */
public final class NexmarkFlink {
  private NexmarkFlink() {}

  /** A script's {@code SET 'key' = 'value'} statement. */
  private static final java.util.regex.Pattern SET =
      java.util.regex.Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'([^']*)'");

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = Args.parse(args);
    NexmarkConfig cfg = Args.config(opts);
    int parallelism = Integer.parseInt(opts.getOrDefault("parallelism", "1"));
    String queryArg = opts.getOrDefault("query", "all");
    File outDir = new File(opts.getOrDefault("out-dir", "results"));
    String input = opts.get("input");
    List<String> queries = new ArrayList<>();
    for (String q : (queryArg.equals("all") ? String.join(",", Queries.SQL.keySet()) : queryArg).split(",")) {
      if (!Queries.SQL.containsKey(q)) throw new IllegalArgumentException("unknown query " + q + "; known: " + Queries.SQL.keySet());
      queries.add(q);
    }
    if (input != null) {
      // The figures count the events actually read (the file may hold any number of them).
      try (var lines = Files.lines(new File(input).toPath(), java.nio.charset.StandardCharsets.ISO_8859_1)) {
        cfg.events = lines.filter(l -> !l.isEmpty()).count();
      }
    }
    outDir.mkdirs();
    for (String q : queries) runQuery(q, cfg, parallelism, input, outDir);
  }

  static void runQuery(String q, NexmarkConfig cfg, int parallelism, String input, File outDir) throws Exception {
    File parts = new File(outDir, q + ".parts");
    if (parts.exists()) {
      try (var walk = Files.walk(parts.toPath())) {
        walk.sorted(Comparator.reverseOrder()).map(java.nio.file.Path::toFile).forEach(File::delete);
      }
    }
    parts.mkdirs();

    Configuration conf = new Configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    tEnv.getConfig().setLocalTimeZone(ZoneOffset.UTC);

    SingleOutputStreamOperator<Bid> bids;
    if (input == null) {
      bids = env.fromSequence(0, cfg.events - 1).name("nexmark-positions")
          .process(new SplitEvents.FromPositions(cfg)).name("nexmark-generator");
    } else {
      FileSource<String> src = FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(input)).build();
      bids = env.fromSource(src, WatermarkStrategy.noWatermarks(), "nexmark-file")
          .process(new SplitEvents.FromCsv()).name("nexmark-parser");
    }
    DataStream<Person> persons = bids.getSideOutput(SplitEvents.PERSONS);
    DataStream<Auction> auctions = bids.getSideOutput(SplitEvents.AUCTIONS);

    // Watermark = max dateTime - (bound + 1) ms: Flink's forBoundedOutOfOrderness(bound), under
    // which no generated event is late (bound = the generator's maxOutOfOrdernessMs).
    long delay = cfg.maxOutOfOrdernessMs() + 1;
    String wm = "rowtime - INTERVAL '" + (delay / 1000) + "." + String.format("%03d", delay % 1000) + "' SECOND";
    Schema bidSchema = Schema.newBuilder()
        .columnByExpression("rowtime", "TO_TIMESTAMP_LTZ(dateTime, 3)").watermark("rowtime", wm).build();
    Schema personSchema = Schema.newBuilder()
        .columnByExpression("rowtime", "TO_TIMESTAMP_LTZ(dateTime, 3)").watermark("rowtime", wm).build();
    Schema auctionSchema = Schema.newBuilder()
        .columnByExpression("rowtime", "TO_TIMESTAMP_LTZ(dateTime, 3)").watermark("rowtime", wm).build();
    tEnv.createTemporaryView("bid_raw", tEnv.fromDataStream(bids, bidSchema));
    tEnv.createTemporaryView("person_raw", tEnv.fromDataStream(persons, personSchema));
    tEnv.createTemporaryView("auction_raw", tEnv.fromDataStream(auctions, auctionSchema));
    tEnv.executeSql("CREATE TEMPORARY VIEW bid AS SELECT auction, bidder, price, channel, url,"
        + " rowtime AS dateTime, extra FROM bid_raw");
    tEnv.executeSql("CREATE TEMPORARY VIEW person AS SELECT id, name, emailAddress, creditCard, city,"
        + " state, rowtime AS dateTime, extra FROM person_raw");
    tEnv.executeSql("CREATE TEMPORARY VIEW auction AS SELECT id, itemName, description, initialBid, reserve,"
        + " rowtime AS dateTime, TO_TIMESTAMP_LTZ(expires, 3) AS expires, seller, category, extra FROM auction_raw");

    List<String> script = Queries.SQL.get(q);
    String sideInput = new File(outDir, "side_input.csv").getAbsolutePath();
    if (q.equals("q13")) SideInput.write(new File(sideInput));
    for (String ddl : script.subList(0, script.size() - 1)) {
      // SET 'key' = 'value' (a script's options, e.g. q9's mini-batch) goes to the table config,
      // as the SQL client does it: executeSql takes no SET.
      java.util.regex.Matcher set = SET.matcher(ddl);
      if (set.matches()) tEnv.getConfig().set(set.group(1), set.group(2));
      else tEnv.executeSql(ddl.replace("${SIDE_INPUT}", sideInput).replace("${COUNT_CHAR}", CountChar.class.getName()));
    }
    Table result = tEnv.sqlQuery(script.get(script.size() - 1));
    DataStream<Row> changelog = tEnv.toChangelogStream(result);
    changelog.addSink(new ChangelogFileSink(parts.getAbsolutePath())).name("canonical-sink");

    // CPU time of the whole process (all threads) during the job: the per-core figure that holds
    // up on a loaded machine (the Fleuve side measures the same with process.cpuUsage()).
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    JobExecutionResult res = env.execute("nexmark-" + q);
    long wallMs = (System.nanoTime() - t0) / 1_000_000;
    long cpuMs = (os.getProcessCpuTime() - cpu0) / 1_000_000;

    File out = new File(outDir, q + ".csv");
    ResultFile.Summary s = ResultFile.fold(parts, out);
    System.out.println("{\"query\":\"" + q + "\",\"events\":" + cfg.events + ",\"seed\":" + cfg.seed
        + ",\"parallelism\":" + parallelism + ",\"source\":\"" + (input == null ? "generator" : "file")
        + "\",\"rows\":" + s.rows + ",\"changelogRows\":" + s.changelogLines + ",\"wallMs\":" + wallMs + ",\"cpuMs\":" + cpuMs
        + ",\"netRuntimeMs\":" + res.getNetRuntime() + ",\"eventsPerSecond\":"
        + Math.round(cfg.events * 1000.0 / Math.max(res.getNetRuntime(), 1)) + ",\"eventsPerSecondWall\":"
        + Math.round(cfg.events * 1000.0 / Math.max(wallMs, 1)) + ",\"resultSha256\":\"" + s.sha256
        + "\",\"out\":\"" + out.getPath() + "\"}");
  }
}
