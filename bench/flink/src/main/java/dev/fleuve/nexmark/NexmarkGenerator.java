package dev.fleuve.nexmark;

import static dev.fleuve.nexmark.NexmarkStrings.*;

import java.io.Serializable;

/**
 * The Nexmark generator, bit-identical to packages/sql/src/nexmark/generator.ts: the event at stream
 * position i is the event numbered shuffle(i), built from its own generator seeded by (seed, k).
 * Returns Person, Auction or Bid.
 */
public final class NexmarkGenerator implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final int PERSON_PROPORTION = 1;
  public static final int AUCTION_PROPORTION = 3;
  public static final int BID_PROPORTION = 46;
  public static final int PROPORTION_DENOMINATOR = 50;
  public static final long FIRST_PERSON_ID = 1000;
  public static final long FIRST_AUCTION_ID = 1000;
  public static final long FIRST_CATEGORY_ID = 10;
  public static final int NUM_CATEGORIES = 5;
  public static final long PERSON_ID_LEAD = 10;
  public static final long AUCTION_ID_LEAD = 10;
  public static final long HOT_AUCTION_RATIO = 100;
  public static final long HOT_SELLER_RATIO = 100;
  public static final long HOT_BIDDER_RATIO = 100;
  public static final int HOT_CHANNELS_RATIO = 2;
  private static final long SHUFFLE_MULTIPLIER = 953;
  private static final long[] POW10 = {1, 10, 100, 1000, 10000, 100000};

  public final NexmarkConfig config;
  private final int seedMix;
  private final long numEventsForAuctions;

  public NexmarkGenerator(NexmarkConfig config) {
    this.config = config.validate();
    this.seedMix = NexmarkRng.mixSeed(config.seed);
    this.numEventsForAuctions = (config.numInFlightAuctions * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION;
  }

  public static long lastBase0PersonId(long k) {
    long epoch = k / PROPORTION_DENOMINATOR;
    long offset = k % PROPORTION_DENOMINATOR;
    if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1;
    return epoch * PERSON_PROPORTION + offset;
  }

  public static long lastBase0AuctionId(long k) {
    long epoch = k / PROPORTION_DENOMINATOR;
    long offset = k % PROPORTION_DENOMINATOR;
    if (offset < PERSON_PROPORTION) {
      epoch--;
      offset = AUCTION_PROPORTION - 1;
    } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
      offset = AUCTION_PROPORTION - 1;
    } else {
      offset -= PERSON_PROPORTION;
    }
    return epoch * AUCTION_PROPORTION + offset;
  }

  public long timestampOf(long k) {
    return config.baseTime + (k * 1000) / config.eventsPerSecond;
  }

  public long eventNumberAt(long i) {
    long n = config.outOfOrderGroupSize;
    if (n == 1) return i;
    long j = i % n;
    long base = i - j;
    if (base + n > config.events) return i;
    return base + (j * SHUFFLE_MULTIPLIER) % n;
  }

  /** The event at stream position i. */
  public Object eventAt(long i) {
    return eventWithNumber(eventNumberAt(i));
  }

  public Object eventWithNumber(long k) {
    NexmarkRng rng = new NexmarkRng(NexmarkRng.eventState(seedMix, k));
    long ts = timestampOf(k);
    long rem = k % PROPORTION_DENOMINATOR;
    if (rem < PERSON_PROPORTION) return person(rng, k, ts);
    if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) return auction(rng, k, ts);
    return bid(rng, k, ts);
  }

  private long nextBase0PersonId(NexmarkRng rng, long k) {
    long numPeople = lastBase0PersonId(k) + 1;
    long active = Math.min(numPeople, config.numActivePeople);
    long n = rng.nextInt(active + PERSON_ID_LEAD);
    return numPeople - active + n;
  }

  private long nextBase0AuctionId(NexmarkRng rng, long k) {
    long maxAuction = lastBase0AuctionId(k);
    long minAuction = Math.max(maxAuction - config.numInFlightAuctions, 0);
    return minAuction + rng.nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  private static long nextPrice(NexmarkRng rng) {
    int decade = (int) rng.nextInt(6);
    long mantissa = 100_000 + rng.nextInt(900_000);
    return (mantissa * POW10[decade]) / 1000;
  }

  private Person person(NexmarkRng rng, long k, long ts) {
    Person p = new Person();
    p.id = lastBase0PersonId(k) + FIRST_PERSON_ID;
    String first = FIRST_NAMES[(int) rng.nextInt(FIRST_NAMES.length)];
    String last = LAST_NAMES[(int) rng.nextInt(LAST_NAMES.length)];
    p.name = first + " " + last;
    String user = nextString(rng, 7);
    String domain = nextString(rng, 5);
    p.emailAddress = user + "@" + domain + ".com";
    String c1 = FOUR_DIGITS[(int) rng.nextInt(10000)];
    String c2 = FOUR_DIGITS[(int) rng.nextInt(10000)];
    String c3 = FOUR_DIGITS[(int) rng.nextInt(10000)];
    String c4 = FOUR_DIGITS[(int) rng.nextInt(10000)];
    p.creditCard = c1 + " " + c2 + " " + c3 + " " + c4;
    p.city = US_CITIES[(int) rng.nextInt(US_CITIES.length)];
    p.state = US_STATES[(int) rng.nextInt(US_STATES.length)];
    long size = 8 + p.name.length() + p.emailAddress.length() + p.creditCard.length() + p.city.length()
        + p.state.length();
    p.extra = nextExtra(rng, size, config.avgPersonByteSize);
    p.dateTime = ts;
    return p;
  }

  private Auction auction(NexmarkRng rng, long k, long ts) {
    Auction a = new Auction();
    a.id = lastBase0AuctionId(k) + FIRST_AUCTION_ID;
    a.seller = (rng.nextInt(config.hotSellersRatio) > 0
            ? (lastBase0PersonId(k) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
            : nextBase0PersonId(rng, k))
        + FIRST_PERSON_ID;
    a.category = FIRST_CATEGORY_ID + rng.nextInt(NUM_CATEGORIES);
    a.initialBid = nextPrice(rng);
    long horizon = timestampOf(k + numEventsForAuctions) - ts;
    a.expires = ts + 1 + rng.nextInt(Math.max(horizon * 2, 1));
    a.itemName = nextString(rng, 20);
    a.description = nextString(rng, 100);
    a.reserve = a.initialBid + nextPrice(rng);
    long size = 8 + a.itemName.length() + a.description.length() + 8 + 8 + 8 + 8 + 8;
    a.extra = nextExtra(rng, size, config.avgAuctionByteSize);
    a.dateTime = ts;
    return a;
  }

  private Bid bid(NexmarkRng rng, long k, long ts) {
    Bid b = new Bid();
    b.auction = (rng.nextInt(config.hotAuctionRatio) > 0
            ? (lastBase0AuctionId(k) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
            : nextBase0AuctionId(rng, k))
        + FIRST_AUCTION_ID;
    b.bidder = (rng.nextInt(config.hotBiddersRatio) > 0
            ? (lastBase0PersonId(k) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
            : nextBase0PersonId(rng, k))
        + FIRST_PERSON_ID;
    b.price = nextPrice(rng);
    if (rng.nextInt(HOT_CHANNELS_RATIO) > 0) {
      int c = (int) rng.nextInt(HOT_CHANNELS.length);
      b.channel = HOT_CHANNELS[c];
      b.url = HOT_URLS[c];
    } else {
      int c = (int) rng.nextInt(CHANNELS_NUMBER);
      b.channel = CHANNEL_NAMES[c];
      b.url = CHANNEL_URLS[c];
    }
    b.extra = nextExtra(rng, 32, config.avgBidByteSize);
    b.dateTime = ts;
    return b;
  }
}
