package dev.fleuve.nexmark;

/** The CSV line format of bench/nexmark/csv.ts (render and parse). */
public final class EventCsv {
  private EventCsv() {}

  public static void render(Object e, StringBuilder sb) {
    if (e instanceof Bid) {
      Bid b = (Bid) e;
      sb.append("B,").append(b.auction).append(',').append(b.bidder).append(',').append(b.price).append(',')
          .append(b.channel).append(',').append(b.url).append(',').append(b.dateTime).append(',').append(b.extra);
    } else if (e instanceof Auction) {
      Auction a = (Auction) e;
      sb.append("A,").append(a.id).append(',').append(a.itemName).append(',').append(a.description).append(',')
          .append(a.initialBid).append(',').append(a.reserve).append(',').append(a.dateTime).append(',')
          .append(a.expires).append(',').append(a.seller).append(',').append(a.category).append(',')
          .append(a.extra);
    } else {
      Person p = (Person) e;
      sb.append("P,").append(p.id).append(',').append(p.name).append(',').append(p.emailAddress).append(',')
          .append(p.creditCard).append(',').append(p.city).append(',').append(p.state).append(',')
          .append(p.dateTime).append(',').append(p.extra);
    }
  }

  public static Object parse(String line) {
    String[] f = line.split(",", -1);
    switch (f[0]) {
      case "B": {
        if (f.length != 8) throw new IllegalArgumentException("a bid line has 8 fields: " + line);
        Bid b = new Bid();
        b.auction = Long.parseLong(f[1]);
        b.bidder = Long.parseLong(f[2]);
        b.price = Long.parseLong(f[3]);
        b.channel = f[4];
        b.url = f[5];
        b.dateTime = Long.parseLong(f[6]);
        b.extra = f[7];
        return b;
      }
      case "A": {
        if (f.length != 11) throw new IllegalArgumentException("an auction line has 11 fields: " + line);
        Auction a = new Auction();
        a.id = Long.parseLong(f[1]);
        a.itemName = f[2];
        a.description = f[3];
        a.initialBid = Long.parseLong(f[4]);
        a.reserve = Long.parseLong(f[5]);
        a.dateTime = Long.parseLong(f[6]);
        a.expires = Long.parseLong(f[7]);
        a.seller = Long.parseLong(f[8]);
        a.category = Long.parseLong(f[9]);
        a.extra = f[10];
        return a;
      }
      case "P": {
        if (f.length != 9) throw new IllegalArgumentException("a person line has 9 fields: " + line);
        Person p = new Person();
        p.id = Long.parseLong(f[1]);
        p.name = f[2];
        p.emailAddress = f[3];
        p.creditCard = f[4];
        p.city = f[5];
        p.state = f[6];
        p.dateTime = Long.parseLong(f[7]);
        p.extra = f[8];
        return p;
      }
      default:
        throw new IllegalArgumentException("the first field must be P, A or B: " + line);
    }
  }
}
