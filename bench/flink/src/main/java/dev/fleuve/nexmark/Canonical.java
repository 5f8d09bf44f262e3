package dev.fleuve.nexmark;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.flink.types.Row;

/**
 * Canonical rendering of result rows (docs/nexmark.md): fields joined by ',', integers in
 * decimal, decimals in plain notation with their SQL scale, times as epoch milliseconds,
 * strings as they are, null as "null".
 */
public final class Canonical {
  private Canonical() {}

  public static String render(Row row) {
    StringBuilder sb = new StringBuilder(64);
    int n = row.getArity();
    for (int i = 0; i < n; i++) {
      if (i > 0) sb.append(',');
      Object v = row.getField(i);
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
        sb.append(((Number) v).longValue());
      } else if (v instanceof BigDecimal) {
        sb.append(((BigDecimal) v).toPlainString());
      } else if (v instanceof Instant) {
        sb.append(((Instant) v).toEpochMilli());
      } else if (v instanceof LocalDateTime) {
        sb.append(((LocalDateTime) v).toInstant(ZoneOffset.UTC).toEpochMilli());
      } else if (v instanceof String || v instanceof Boolean) {
        sb.append(v);
      } else {
        throw new IllegalStateException(
            "no canonical rendering for " + v.getClass().getName() + " in field " + i + " of " + row);
      }
    }
    return sb.toString();
  }
}
