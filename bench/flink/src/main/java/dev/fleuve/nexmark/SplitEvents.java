package dev.fleuve.nexmark;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns stream positions (from a number-sequence source) or CSV lines (from a file) into events:
 * bids on the main output, people and auctions on side outputs. Doing generation/parsing and the
 * split in one operator avoids copying events between chained operators.
 */
public final class SplitEvents {
  private SplitEvents() {}

  public static final OutputTag<Person> PERSONS = new OutputTag<>("persons") {};
  public static final OutputTag<Auction> AUCTIONS = new OutputTag<>("auctions") {};

  static void emit(Object e, ProcessFunction<?, Bid>.Context ctx, Collector<Bid> out) {
    if (e instanceof Bid) out.collect((Bid) e);
    else if (e instanceof Auction) ctx.output(AUCTIONS, (Auction) e);
    else ctx.output(PERSONS, (Person) e);
  }

  /** Generates the event at each incoming stream position. */
  public static final class FromPositions extends ProcessFunction<Long, Bid> {
    private static final long serialVersionUID = 1L;
    private final NexmarkConfig config;
    private transient NexmarkGenerator gen;

    public FromPositions(NexmarkConfig config) {
      this.config = config;
    }

    @Override
    public void open(Configuration parameters) {
      gen = new NexmarkGenerator(config);
    }

    @Override
    public void processElement(Long i, Context ctx, Collector<Bid> out) {
      emit(gen.eventAt(i), ctx, out);
    }
  }

  /** Parses each CSV line of an event file. */
  public static final class FromCsv extends ProcessFunction<String, Bid> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(String line, Context ctx, Collector<Bid> out) {
      if (!line.isEmpty()) emit(EventCsv.parse(line), ctx, out);
    }
  }
}
