package dev.fleuve.nexmark;

import java.io.BufferedWriter;
import java.io.File;
import java.io.FileWriter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.sink.RichSinkFunction;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * Writes each subtask's changelog as lines "+row" (insert / update-after) or "-row" (delete /
 * update-before) to dir/part-N; {@link ResultFile} folds them into the final table.
 */
public final class ChangelogFileSink extends RichSinkFunction<Row> {
  private static final long serialVersionUID = 1L;
  private final String dir;
  private transient BufferedWriter out;

  public ChangelogFileSink(String dir) {
    this.dir = dir;
  }

  @Override
  public void open(Configuration parameters) throws Exception {
    int idx = getRuntimeContext().getIndexOfThisSubtask();
    out = new BufferedWriter(new FileWriter(new File(dir, "part-" + idx)), 1 << 20);
  }

  @Override
  public void invoke(Row row, Context context) throws Exception {
    RowKind k = row.getKind();
    out.write(k == RowKind.INSERT || k == RowKind.UPDATE_AFTER ? '+' : '-');
    out.write(Canonical.render(row));
    out.write('\n');
  }

  @Override
  public void close() throws Exception {
    if (out != null) out.close();
  }
}
