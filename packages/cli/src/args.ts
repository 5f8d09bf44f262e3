/**
 * A small, strict argument parser for the `fleuve` command. Strict because a typo in an option
 * (`--paralelism 4`) must stop the command with a usage error rather than be silently ignored.
 */
import { FleuveError } from "@fleuve/core";

/** How an option takes its value ("list": a string that may be given several times). */
export type OptionKind = "number" | "string" | "flag" | "list";

/** Options a command accepts, by name (without the leading dashes). */
export type OptionSpec = Readonly<Record<string, OptionKind>>;

/** Result of {@link parseArgs}. */
export interface ParsedArgs {
  /** Arguments that are not options, in order. */
  readonly positional: string[];
  /** Option values: numbers for "number", strings for "string", true for "flag", arrays for "list". */
  readonly options: Record<string, number | string | boolean | string[]>;
  /** Everything after a bare `--` (passed through untouched, e.g. to a job). */
  readonly rest: string[];
}

/** How option `name` is written on the command line: `-f` for a one-letter name, `--file` else. */
function optionText(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** A FLEUVE_CLI_USAGE error; `command` selects which usage text is printed with it. */
export function usageError(message: string, command?: string): FleuveError {
  return new FleuveError("FLEUVE_CLI_USAGE", message, { details: { command } });
}

/**
 * Parses `argv` against `spec`. Accepts `--name value`, `--name=value` and flags; an unknown
 * option, a missing value or a non-numeric value for a number option is a usage error naming it.
 */
export function parseArgs(argv: readonly string[], spec: OptionSpec, command: string): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, number | string | boolean | string[]> = {};
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest = argv.slice(i + 1);
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = (eq > 0 ? a.slice(0, eq) : a).replace(/^--?/, "");
    const kind = spec[name];
    if (kind === undefined) {
      const known = Object.keys(spec).map(optionText).join(", ");
      throw usageError(
        `unknown option '${a.slice(0, eq > 0 ? eq : undefined)}' for '${command ? `fleuve ${command}` : "fleuve"}'${known ? ` (options: ${known})` : ""}`,
        command,
      );
    }
    if (kind === "flag") {
      if (eq > 0) throw usageError(`option '${optionText(name)}' takes no value`, command);
      options[name] = true;
      continue;
    }
    const raw = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith("--"))) {
      throw usageError(`option '${optionText(name)}' needs a value`, command);
    }
    if (kind === "number") {
      const v = Number(raw);
      if (raw.trim() === "" || Number.isNaN(v)) {
        throw usageError(`option '${optionText(name)}' needs a number, got '${raw}'`, command);
      }
      options[name] = v;
    } else if (kind === "list") options[name] = [...((options[name] as string[] | undefined) ?? []), raw];
    else options[name] = raw;
  }
  return { positional, options, rest };
}

/** Reads a number option that must be an integer >= `min`; undefined when absent. */
export function intOption(
  p: ParsedArgs,
  name: string,
  min: number,
  command: string,
  allowInfinity = false,
): number | undefined {
  const v = p.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || (!Number.isInteger(v) && !(allowInfinity && v === Infinity)) || v < min) {
    throw usageError(
      `option '--${name}' must be an integer >= ${min}${allowInfinity ? " (or Infinity)" : ""}, got ${v}`,
      command,
    );
  }
  return v;
}

/** Reads a number option that must be > 0; undefined when absent. */
export function positiveOption(p: ParsedArgs, name: string, command: string): number | undefined {
  const v = p.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw usageError(`option '--${name}' must be a number > 0, got ${v}`, command);
  }
  return v;
}
