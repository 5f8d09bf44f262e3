package dev.fleuve.sql;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.TableDescriptor;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.TimestampKind;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the statements of a SQL file on a local Flink MiniCluster (streaming mode, parallelism 1,
 * session time zone UTC): the reference side of bench/sql-diff.
 *
 * <pre>
 * run.sh sql --file job.sql [--file more.sql ...]
 * </pre>
 *
 * <p>{@code run.sh sql --batch --file a.sql --file b.sql ...} runs many cases as one job (Flink's
 * start-up and job submission are the slow part): the statements of each file but the last run
 * in one environment (a table that already exists is kept: the cases share their tables), the
 * last, {@code CREATE TABLE __out WITH ('connector' = 'print') AS query}, writes its query into
 * a print table whose {@code print-identifier} is the case's number, and all of them run
 * together. Each case's output is printed after a line {@code ==> path}; a case that does not
 * plan prints {@code !ERROR message}.
 *
 * <p>Periodic watermarks are off ({@code autoWatermarkInterval} 0), so a bounded source's only
 * watermark is the final one and the results do not depend on how fast the rows are read.
 *
 * <p>Each statement runs in order through {@code executeSql}; an INSERT (or CREATE TABLE ... AS)
 * is awaited, so a {@code print} table's changelog reaches stdout before the next statement. A
 * SELECT prints its rows as {@code Row.toString()} does, {@code +I[a, b]}, which is what the
 * {@code print} connector writes too.
 */
public final class RunSql {
  private RunSql() {}

  public static void main(String[] args) throws Exception {
    List<String> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--file") && i + 1 < args.length) files.add(args[++i]);
    }
    if (files.isEmpty()) throw new IllegalArgumentException("usage: run.sh sql [--batch] --file job.sql [--file more.sql ...]");
    if (java.util.Arrays.asList(args).contains("--batch")) {
      batch(files);
      return;
    }
    if (files.size() == 1) {
      run(files.get(0));
      return;
    }
    for (String file : files) {
      System.out.println("==> " + file);
      try {
        run(file);
      } catch (Throwable e) {
        System.out.println("!ERROR " + message(e));
      }
      System.out.flush();
    }
  }

  static final String CTAS_PRINT = "CREATE TABLE __out WITH ('connector' = 'print') AS ";

  static StreamTableEnvironment newEnv() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
    env.getConfig().setAutoWatermarkInterval(0);
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    tEnv.getConfig().setLocalTimeZone(ZoneOffset.UTC);
    return tEnv;
  }

  static String message(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String msg = (e.getMessage() == null ? e.toString() : e.getMessage()).replace('\n', ' ');
    return root == e ? msg : msg + " | " + String.valueOf(root.getMessage()).replace('\n', ' ');
  }

  static void batch(List<String> files) throws Exception {
    StreamTableEnvironment tEnv = newEnv();
    StatementSet set = tEnv.createStatementSet();
    Map<String, List<String>> output = new LinkedHashMap<>();
    for (int i = 0; i < files.size(); i++) {
      String file = files.get(i);
      List<String> lines = new ArrayList<>();
      output.put(file, lines);
      try {
        List<String> stmts = split(Files.readString(Path.of(file), StandardCharsets.UTF_8));
        for (String stmt : stmts.subList(0, stmts.size() - 1)) {
          try {
            tEnv.executeSql(stmt);
          } catch (Exception e) {
            if (!message(e).contains("already exists")) throw e;
          }
        }
        String last = stmts.get(stmts.size() - 1);
        if (!last.startsWith(CTAS_PRINT)) throw new IllegalArgumentException("the last statement must be " + CTAS_PRINT + "query");
        Table t = tEnv.sqlQuery(last.substring(CTAS_PRINT.length()));
        Schema.Builder schema = Schema.newBuilder();
        for (Column c : t.getResolvedSchema().getColumns()) {
          DataType type = c.getDataType();
          // A time attribute (window_time, a rowtime passed through) is a plain timestamp in a sink.
          if (type.getLogicalType() instanceof TimestampType ts && ts.getKind() != TimestampKind.REGULAR) {
            type = DataTypes.TIMESTAMP(ts.getPrecision());
            if (!ts.isNullable()) type = type.notNull();
          } else if (type.getLogicalType() instanceof LocalZonedTimestampType lz && lz.getKind() != TimestampKind.REGULAR) {
            type = DataTypes.TIMESTAMP_LTZ(lz.getPrecision());
            if (!lz.isNullable()) type = type.notNull();
          }
          schema.column(c.getName(), type);
        }
        set.add(t.insertInto(TableDescriptor.forConnector("print").option("print-identifier", "case" + i).schema(schema.build()).build()));
      } catch (Exception e) {
        lines.add("!ERROR " + message(e));
      }
    }
    // The print sinks write "caseN> +I[...]" to stdout: capture it, then sort it by case.
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
    String failure = null;
    try {
      set.execute().await();
    } catch (Exception e) {
      failure = message(e);
    } finally {
      System.out.flush();
      System.setOut(stdout);
    }
    List<String> names = new ArrayList<>(output.keySet());
    for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
      int gt = line.indexOf("> ");
      if (!line.startsWith("case") || gt < 0) continue;
      output.get(names.get(Integer.parseInt(line.substring(4, gt)))).add(line.substring(gt + 2));
    }
    for (Map.Entry<String, List<String>> e : output.entrySet()) {
      stdout.println("==> " + e.getKey());
      if (failure != null && (e.getValue().isEmpty() || !e.getValue().get(0).startsWith("!ERROR"))) {
        stdout.println("!ERROR the job failed: " + failure);
        continue;
      }
      for (String line : e.getValue()) stdout.println(line);
    }
    stdout.flush();
  }

  static void run(String file) throws Exception {
    String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
    StreamTableEnvironment tEnv = newEnv();
    for (String stmt : split(text)) {
      // SET is the SQL client's, not executeSql's: it sets the job's table config here.
      java.util.regex.Matcher set =
          java.util.regex.Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'([^']*)'").matcher(stmt);
      if (set.matches()) {
        tEnv.getConfig().set(set.group(1), set.group(2));
        continue;
      }
      TableResult result = tEnv.executeSql(stmt);
      String head = stmt.stripLeading().toUpperCase();
      if (head.startsWith("SELECT") || head.startsWith("WITH") || head.startsWith("VALUES")) {
        try (CloseableIterator<Row> rows = result.collect()) {
          while (rows.hasNext()) System.out.println(rows.next());
        }
      } else if (result.getJobClient().isPresent()) {
        result.await();
      } else if (result.getResultKind() == ResultKind.SUCCESS_WITH_CONTENT) {
        // DESCRIBE, SHOW, EXPLAIN: their rows, as a SELECT's (DESCRIBE shows a view's types).
        try (CloseableIterator<Row> rows = result.collect()) {
          while (rows.hasNext()) System.out.println(rows.next());
        }
      }
    }
    System.out.flush();
  }

  /** Splits a script at the semicolons outside quotes and comments; drops comments and blanks. */
  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        int j = i + 1;
        while (j < n) {
          if (text.charAt(j) == c) {
            if (j + 1 < n && text.charAt(j + 1) == c) { j += 2; continue; }
            break;
          }
          j++;
        }
        cur.append(text, i, Math.min(j + 1, n));
        i = j;
      } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
        while (i < n && text.charAt(i) != '\n') i++;
        cur.append('\n');
      } else if (c == ';') {
        if (!cur.toString().isBlank()) out.add(cur.toString().trim());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (!cur.toString().isBlank()) out.add(cur.toString().trim());
    return out;
  }
}
