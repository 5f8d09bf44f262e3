package dev.fleuve.nexmark;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** q13's side input, as Nexmark's SideInputGenerator writes it (and sql-queries.ts): rows "i,i", i < 10 000. */
final class SideInput {
  private SideInput() {}

  static void write(File path) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 10_000; i++) sb.append(i).append(',').append(i).append('\n');
    Files.writeString(path.toPath(), sb.toString(), StandardCharsets.UTF_8);
  }
}
