package dev.fleuve.cep;

import java.util.List;
import java.util.Map;

/** A minimal JSON writer for the fixtures (strings, numbers, booleans, lists, maps in order). */
final class Json {
  private Json() {}

  static String write(Object v, String indent) {
    StringBuilder sb = new StringBuilder();
    write(sb, v, indent, "");
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, String indent, String cur) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String) {
      quote(sb, (String) v);
    } else if (v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d);
      else sb.append(d);
    } else if (v instanceof Number) {
      sb.append(v);
    } else if (v instanceof Map) {
      Map<?, ?> m = (Map<?, ?>) v;
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      // Maps whose values are all scalars or lists of scalars fit on one line.
      boolean flat = indent == null || m.values().stream().allMatch(Json::isFlat);
      String next = cur + (indent == null ? "" : indent);
      sb.append(flat ? "{ " : "{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) sb.append(flat ? ", " : ",");
        first = false;
        if (!flat) sb.append('\n').append(next);
        quote(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), flat ? null : indent, next);
      }
      if (!flat) sb.append('\n').append(cur);
      sb.append(flat ? " }" : "}");
    } else if (v instanceof List) {
      List<?> l = (List<?>) v;
      if (l.isEmpty()) {
        sb.append("[]");
        return;
      }
      boolean flat = indent == null || l.stream().allMatch(x -> !(x instanceof Map) && !(x instanceof List));
      String next = cur + (indent == null ? "" : indent);
      sb.append('[');
      boolean first = true;
      for (Object x : l) {
        if (!first) sb.append(flat ? ", " : ",");
        first = false;
        if (!flat) sb.append('\n').append(next);
        write(sb, x, flat ? null : indent, next);
      }
      if (!flat) sb.append('\n').append(cur);
      sb.append(']');
    } else {
      quote(sb, v.toString());
    }
  }

  private static boolean isFlat(Object v) {
    if (v instanceof Map) return false;
    if (v instanceof List) return ((List<?>) v).stream().allMatch(x -> !(x instanceof Map) && !(x instanceof List));
    return true;
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\t': sb.append("\\t"); break;
        case '\r': sb.append("\\r"); break;
        default:
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
      }
    }
    sb.append('"');
  }
}
