package dev.fleuve.nexmark;

import java.util.HashMap;
import java.util.Map;

/** Tiny "--name value" argument parser shared by the entry points. */
final class Args {
  private Args() {}

  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[i]);
      String name = args[i].substring(2);
      if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        m.put(name, args[++i]);
      } else {
        m.put(name, "true");
      }
    }
    return m;
  }

  /** Generator options: --events --seed --rate --base-time --ooo-group (as generate.ts). */
  static NexmarkConfig config(Map<String, String> o) {
    NexmarkConfig c = new NexmarkConfig();
    if (o.containsKey("events")) c.events = Long.parseLong(o.get("events"));
    if (o.containsKey("seed")) c.seed = Long.parseLong(o.get("seed"));
    if (o.containsKey("rate")) c.eventsPerSecond = Long.parseLong(o.get("rate"));
    if (o.containsKey("base-time")) c.baseTime = Long.parseLong(o.get("base-time"));
    if (o.containsKey("ooo-group")) c.outOfOrderGroupSize = Long.parseLong(o.get("ooo-group"));
    return c.validate();
  }
}
