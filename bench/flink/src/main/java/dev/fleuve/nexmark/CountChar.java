package dev.fleuve.nexmark;

import org.apache.flink.table.functions.ScalarFunction;

/** Nexmark q14's count_char: how many times the first character of {@code character} occurs in {@code s} (0 for NULL). */
public final class CountChar extends ScalarFunction {
  public long eval(String s, String character) {
    if (s == null || character == null || character.isEmpty()) return 0;
    char c = character.charAt(0);
    long count = 0;
    for (int i = 0; i < s.length(); i++) if (s.charAt(i) == c) count++;
    return count;
  }
}
