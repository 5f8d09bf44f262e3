/**
 * What bench/flink's `run.sh sql --file a.sql --file b.sql ...` printed, split by file: after a
 * `==> file` line, the lines that file's statements printed, or the error a `!ERROR ...` line
 * reported for it. Run with one file, every line is that file's.
 */
export function flinkOutputByFile(
  stdout: string,
  files: readonly string[],
): Map<string, { lines: string[] } | { error: string }> {
  const out = new Map<string, { lines: string[] } | { error: string }>();
  let file: string | undefined = files.length === 1 ? files[0] : undefined;
  let lines: string[] = [];
  let error: string | undefined;
  const flush = () => {
    if (file !== undefined) out.set(file, error !== undefined ? { error } : { lines });
  };
  for (const line of stdout.split("\n")) {
    if (line.startsWith("==> ")) {
      flush();
      file = line.slice(4);
      lines = [];
      error = undefined;
    } else if (line.startsWith("!ERROR ")) error = line.slice(7);
    else lines.push(line);
  }
  flush();
  return out;
}
