package dev.fleuve.nexmark;

/** A Nexmark person (Flink POJO: public fields, no-arg constructor). */
public class Person {
  public long id;
  public String name;
  public String emailAddress;
  public String creditCard;
  public String city;
  public String state;
  public long dateTime;
  public String extra;

  public Person() {}
}
