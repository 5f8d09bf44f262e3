/** Reads what a fileSink committed, for the sink tests. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Lines of the committed part files of `dir` (in-progress files excluded); none while `dir` does
 * not exist yet (nothing committed).
 */
export function committedLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!/^part-\d+-\d+$/.test(f)) continue;
    const text = readFileSync(join(dir, f), "utf8");
    if (text.length > 0) out.push(...text.slice(0, -1).split("\n"));
  }
  return out;
}
