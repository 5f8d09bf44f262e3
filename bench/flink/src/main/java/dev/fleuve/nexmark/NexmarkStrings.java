package dev.fleuve.nexmark;

/** Strings for generated events; same pools and tables as packages/sql/src/nexmark/strings.ts. */
public final class NexmarkStrings {
  private NexmarkStrings() {}

  public static final int POOL_OFFSETS = 65536;
  public static final int MAX_POOL_STRING = 4096;

  private static String buildPool(char special) {
    NexmarkRng rng = new NexmarkRng(0x6e65786d);
    char[] c = new char[POOL_OFFSETS + MAX_POOL_STRING];
    for (int i = 0; i < c.length; i++) {
      c[i] = rng.nextInt(13) == 0 ? special : (char) (97 + rng.nextInt(26));
    }
    return new String(c);
  }

  public static final String TEXT_POOL = buildPool(' ');
  public static final String URL_POOL = TEXT_POOL.replace(' ', '_');

  public static String nextString(NexmarkRng rng, int maxLength) {
    int len = 3 + (int) rng.nextInt(maxLength - 3);
    int off = (int) rng.nextInt(POOL_OFFSETS);
    return TEXT_POOL.substring(off, off + len);
  }

  public static String nextUrlString(NexmarkRng rng, int maxLength) {
    int len = 3 + (int) rng.nextInt(maxLength - 3);
    int off = (int) rng.nextInt(POOL_OFFSETS);
    return URL_POOL.substring(off, off + len);
  }

  public static String nextExactString(NexmarkRng rng, int len) {
    int off = (int) rng.nextInt(POOL_OFFSETS);
    return TEXT_POOL.substring(off, off + len);
  }

  /** Padding towards desiredAverage: (desiredAverage - currentSize) +- 20 %, or "". */
  public static String nextExtra(NexmarkRng rng, long currentSize, long desiredAverage) {
    if (currentSize > desiredAverage) return "";
    long avg = desiredAverage - currentSize;
    long delta = (avg * 2 + 5) / 10;
    long len = avg - delta + rng.nextInt(2 * delta + 1);
    return nextExactString(rng, (int) len);
  }

  public static final String[] FIRST_NAMES = {
    "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"
  };
  public static final String[] LAST_NAMES = {
    "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"
  };
  public static final String[] US_CITIES = {
    "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"
  };
  public static final String[] US_STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};

  public static final String[] FOUR_DIGITS = new String[10000];

  static {
    for (int i = 0; i < 10000; i++) FOUR_DIGITS[i] = String.format("%04d", i);
  }

  private static String baseUrl(NexmarkRng rng) {
    String a = nextUrlString(rng, 5);
    String b = nextUrlString(rng, 5);
    String c = nextUrlString(rng, 5);
    return "https://www.nexmark.com/" + a + "/" + b + "/" + c + "/item.htm?query=1";
  }

  public static final String[] HOT_CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};
  public static final String[] HOT_URLS = new String[HOT_CHANNELS.length];
  public static final int CHANNELS_NUMBER = 10000;
  public static final String[] CHANNEL_NAMES = new String[CHANNELS_NUMBER];
  public static final String[] CHANNEL_URLS = new String[CHANNELS_NUMBER];

  static {
    for (int i = 0; i < HOT_CHANNELS.length; i++) {
      HOT_URLS[i] = baseUrl(new NexmarkRng(NexmarkRng.fmix32(0x484f5400 + i)));
    }
    for (int i = 0; i < CHANNELS_NUMBER; i++) {
      CHANNEL_NAMES[i] = "channel-" + i;
      NexmarkRng rng = new NexmarkRng(NexmarkRng.fmix32(0x43484e4c ^ i));
      String url = baseUrl(rng);
      CHANNEL_URLS[i] =
          rng.nextInt(10) > 0 ? url + "&channel_id=" + Integer.toUnsignedString(Integer.reverse(i)) : url;
    }
  }
}
