package dev.fleuve.cep;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The event of the reference cases: an id unique in its case ("a1"), a type (the id's leading
 * letters: "a"), a value and an event-time timestamp in ms. A Flink POJO (public fields, no-arg
 * constructor); equal by id, as Flink CEP asks its events to implement equals/hashCode.
 */
public final class Ev {
  public String id;
  public String type;
  public double value;
  public long ts;

  public Ev() {}

  public Ev(String id, String type, double value, long ts) {
    this.id = id;
    this.type = type;
    this.value = value;
    this.ts = ts;
  }

  /**
   * Parses a case's input: tokens separated by spaces, each {@code id[=value][@ts]}. The type is
   * the id without its trailing digits; a token without {@code @ts} comes 1 ms after the previous
   * one (the first at 1), so timestamps ascend unless a case says otherwise.
   */
  public static List<Ev> parse(String input) {
    List<Ev> out = new ArrayList<>();
    long prev = 0;
    for (String tok : input.trim().split("\\s+")) {
      String id = tok;
      long ts = prev + 1;
      double value = 0;
      int at = id.indexOf('@');
      if (at >= 0) {
        ts = Long.parseLong(id.substring(at + 1));
        id = id.substring(0, at);
      }
      int eq = id.indexOf('=');
      if (eq >= 0) {
        value = Double.parseDouble(id.substring(eq + 1));
        id = id.substring(0, eq);
      }
      String type = id.replaceAll("[0-9]+$", "");
      for (Ev e : out) if (e.id.equals(id)) throw new IllegalArgumentException("duplicate event id " + id + " in: " + input);
      out.add(new Ev(id, type, value, ts));
      prev = ts;
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ev && ((Ev) o).id.equals(id);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(id);
  }

  @Override
  public String toString() {
    return id;
  }
}
