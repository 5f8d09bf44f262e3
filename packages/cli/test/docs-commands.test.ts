// Every shell command that README.md and docs/*.md show works as printed. docs/errors.md once told
// users to run `fleuve log topics create`, a command that does not exist: nothing ran it.
//
// - Commands in ```sh/bash/shell/console blocks, and `fleuve ...` lines of unlabeled blocks, run in
//   document order in a sandbox per doc (a temp folder that links the repository's packages,
//   examples, scripts and bench, with `fleuve` on PATH), as printed, and must exit 0, unless
//   docs-commands.manifest.ts says how else to run them and why (placeholders, long-running jobs,
//   the shared broker). A command that is neither runnable as printed nor in the manifest fails.
// - Commands named inline (`fleuve topics create <name>`, `npm run fleuve -- jobs`) must exist:
//   `<command words> --help` exits 0 and lists every --option the mention uses; `npm run X` and
//   `node path/to/file` mentions name a script and a file that exist.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { DOC_COMMANDS, DOC_SANDBOXES, type DocCommandEntry } from "./docs-commands.manifest.js";
import { ROOT } from "./helpers.js";

const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];
const SHELL_LANGS = new Set(["sh", "bash", "shell", "console"]);
/** The ways the docs spell the fleuve command. */
const CLI = /^(?:fleuve|npm run fleuve --|node packages\/cli\/bin\/fleuve\.js)(?=\s|$)/;

/** A command shown in a doc. */
interface Shown {
  doc: string;
  line: number;
  /**
   * As printed: trailing comment dropped, continuation lines joined with a space; the lines of a
   * compound command (`for ...; do` to `done`, `if` to `fi`) joined with newlines.
   */
  text: string;
}

/** Commands of shell blocks (and fleuve lines of unlabeled blocks), and inline fleuve mentions. */
export function extractCommands(
  doc: string,
  markdown: string,
): { blocks: Shown[]; inline: Shown[]; scripts: Shown[] } {
  const blocks: Shown[] = [];
  const inline: Shown[] = [];
  const scripts: Shown[] = [];
  const lines = markdown.split("\n");
  let fence: string | undefined; // language of the open block, "" when unlabeled
  // A command continued with `\` or inside a compound command, and how deep in compounds it is.
  let pending: { line: number; text: string; depth: number; joint: string } | undefined;
  lines.forEach((raw, i) => {
    const open = /^\s*```(\S*)/.exec(raw);
    if (open) {
      fence = fence === undefined ? open[1]! : undefined;
      return;
    }
    if (fence !== undefined) {
      const shell = SHELL_LANGS.has(fence);
      let text = raw.replace(/^\s*\$ /, "").trim();
      if (pending === undefined && (text === "" || text.startsWith("#"))) return;
      if (pending === undefined && !shell && !(fence === "" && CLI.test(text))) return;
      text = text.replace(/\s+#\s.*$/, "");
      if (pending !== undefined && text.startsWith("#")) return; // a comment inside a compound
      const continued = text.endsWith("\\");
      if (continued) text = text.slice(0, -1).trim();
      const depth =
        (pending?.depth ?? 0) +
        (text.match(/(?:^|[;&|]\s*|\s)(?:do|then)(?=\s|;|$)|^case\s|\{$/g)?.length ?? 0) -
        (text.match(/(?:^|[;&|]\s*|\s)(?:done|fi|esac)(?=\s|;|$)|^\}/g)?.length ?? 0);
      pending =
        pending === undefined
          ? { line: i + 1, text, depth, joint: "" }
          : { line: pending.line, text: `${pending.text}${pending.joint}${text}`, depth, joint: "" };
      pending.joint = continued ? " " : "\n";
      if (!continued && depth <= 0) {
        blocks.push({ doc, line: pending.line, text: pending.text });
        pending = undefined;
      }
      return;
    }
    for (const m of raw.matchAll(/`([^`]+)`/g)) {
      if (CLI.test(m[1]!)) inline.push({ doc, line: i + 1, text: m[1]! });
      else if (/^(?:npm run|node) \S/.test(m[1]!)) scripts.push({ doc, line: i + 1, text: m[1]! });
    }
  });
  return { blocks, inline, scripts };
}

/** Placeholders a reader fills in: `<job-name>`, `[--stop]`, `...`. */
function hasPlaceholder(text: string): boolean {
  return /<[A-Za-z][\w .-]*>|\[[^\]]*\]|\.\.\./.test(text);
}

const shown = DOCS.map((doc) => extractCommands(doc, readFileSync(join(ROOT, doc), "utf8")));
const blockCommands = shown.flatMap((s) => s.blocks);
const inlineCommands = shown.flatMap((s) => s.inline);
const inlineScripts = shown.flatMap((s) => s.scripts);

const sandboxes = mkdtempSync(join(tmpdir(), "fleuve-docs-"));
after(() => rmSync(sandboxes, { recursive: true, force: true }));

/** A folder that looks like the repository root to the commands, with state of its own. */
function sandbox(name: string): string {
  const dir = join(sandboxes, name.replace(/[^\w.-]/g, "_"));
  mkdirSync(join(dir, ".bin"), { recursive: true });
  for (const entry of [
    "package.json",
    "node_modules",
    "packages",
    "examples",
    "scripts",
    "bench",
    "deploy",
    "tsconfig.base.json",
  ]) {
    if (existsSync(join(ROOT, entry))) symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  writeFileSync(
    join(dir, ".bin", "fleuve"),
    `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, "packages/cli/bin/fleuve.js")}" "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command run by bash in `cwd`: its process, its end, and its output so far. */
interface Shell {
  child: ChildProcess;
  done: Promise<Ran>;
  output(): { stdout: string; stderr: string };
}

function shell(command: string, cwd: string): Shell {
  const child = spawn("bash", ["-c", command], {
    cwd,
    // Its own process group: a signal reaches the command's processes, not just bash.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PATH: `${join(cwd, ".bin")}:${dirname(process.execPath)}:${process.env.PATH}`,
      FLEUVE_LOG_DIR: "",
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<Ran>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Waits until `ready()` holds, or `background` ends first (then its output explains why). */
async function readyWhen(ready: () => boolean, what: string, background: Shell): Promise<void> {
  let ended: Ran | undefined;
  void background.done.then((r) => (ended = r));
  while (!ready()) {
    if (ended)
      assert.fail(`the background command ended (exit ${ended.code}) before ${what}:\n${ended.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function describe(c: Shown): string {
  return `${c.doc}:${c.line}: ${c.text}`;
}

test("the docs show commands, and every manifest entry is a command the docs show", () => {
  assert.ok(blockCommands.length >= 20, `only ${blockCommands.length} commands found in shell blocks`);
  const texts = new Set(blockCommands.map((c) => c.text));
  const stale = Object.keys(DOC_COMMANDS).filter((k) => !texts.has(k));
  assert.deepEqual(stale, [], "manifest entries for commands no doc shows any more (remove or update them)");
});

test("curl commands quote URLs that hold [ ] { } with -g or --data-urlencode (curl reads them as globs)", () => {
  // A skipped command is never run, so nothing else would notice: curl -s takes
  // `...[1m]...` for a range, fails with "bad range" and prints nothing.
  const globbed = blockCommands.filter((c) => {
    if (!/^curl\s/.test(c.text)) return false;
    if (/\s-[a-zA-Z]*g|--globoff/.test(c.text)) return false;
    const urls = c.text.match(/'?https?:\/\/[^\s']+/g) ?? [];
    return urls.some((u) => /[[\]{}]/.test(u));
  });
  assert.deepEqual(globbed.map(describe), []);
});

test("every command in a shell block is run as printed or listed in the manifest", () => {
  const unhandled = blockCommands.filter((c) => DOC_COMMANDS[c.text] === undefined && hasPlaceholder(c.text));
  assert.deepEqual(
    unhandled.map(describe),
    [],
    "commands with placeholders need an entry in docs-commands.manifest.ts saying how they are run",
  );
});

for (const doc of DOCS) {
  const commands = blockCommands.filter((c) => c.doc === doc);
  if (commands.length === 0) continue;
  // The timeout only keeps a hung command from hanging the suite; no command is near it.
  test(`the commands of ${doc} work as printed`, { timeout: 300_000 }, async (t) => {
    const cwd = sandbox(doc);
    const setup = DOC_SANDBOXES[doc];
    // {unique}: a name no earlier run used (consumer groups live on in the shared broker).
    const vars = new Map<string, string>([["unique", `${process.pid}-${Date.now()}`]]);
    let background: (Shell & { shown: Shown; entry: DocCommandEntry }) | undefined;
    const awaitBackground = async () => {
      if (background === undefined) return;
      const stop = background.entry.background?.stopWith;
      if (stop) {
        try {
          process.kill(-background.child.pid!, stop);
        } catch (e) {
          // Ended already (ESRCH): its exit code below says whether that was right.
          if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
        }
      }
      const r = await background.done;
      assert.equal(
        r.code,
        background.entry.background?.exitCode ?? 0,
        `${describe(background.shown)} (in the background) failed:\n${r.stdout}\n${r.stderr}`,
      );
      background = undefined;
    };
    try {
      for (const c of commands) {
        const entry: DocCommandEntry | undefined = DOC_COMMANDS[c.text];
        const label = entry?.skip ? `${describe(c)}  (not run: ${entry.reason})` : describe(c);
        await t.test(label, async () => {
          if (entry?.skip) return;
          for (const [path, content] of Object.entries(entry?.files ?? {})) {
            if (content.startsWith("@")) copyFileSync(join(ROOT, content.slice(1)), join(cwd, path));
            else writeFileSync(join(cwd, path), content);
          }
          let command = entry?.run ?? c.text;
          for (const [pattern, name] of setup?.rename ?? []) command = command.replace(pattern, name);
          // {name}, not the shell's ${NAME}.
          command = command.replace(/(?<!\$)\{([\w ]+)\}/g, (_, name: string) => {
            const v = vars.get(name);
            assert.ok(v !== undefined, `{${name}} was not captured by an earlier command`);
            return v;
          });
          if (entry?.background) {
            assert.equal(background, undefined, "one background command at a time");
            const bg = { ...shell(command, cwd), shown: c, entry };
            background = bg;
            const { readyWhen: path, readyWhenStderr: pattern } = entry.background;
            if (path !== undefined) await readyWhen(() => existsSync(join(cwd, path)), `${path} existed`, bg);
            if (pattern !== undefined)
              await readyWhen(() => pattern.test(bg.output().stderr), `${pattern} on stderr`, bg);
            return;
          }
          const r = await shell(command, cwd).done;
          assert.equal(r.code, 0, `${command}\nexited ${r.code}:\n${r.stdout}\n${r.stderr}`);
          if (entry?.capture) {
            const m = entry.capture.pattern.exec(r.stdout);
            assert.ok(m, `${command}: nothing in its output matches ${entry.capture.pattern}:\n${r.stdout}`);
            vars.set(entry.capture.name, m[0]);
          }
          if (entry?.awaitBackground) await awaitBackground();
        });
      }
      await awaitBackground();
    } finally {
      if (background?.child.pid !== undefined && background.child.exitCode === null) {
        process.kill(-background.child.pid, "SIGTERM");
        await background.done;
      }
      if (setup?.cleanup) await shell(setup.cleanup.replaceAll("{unique}", vars.get("unique")!), cwd).done;
    }
  });
}

/** `fleuve <words> --help` for a mention: its leading words name the command. */
function helpCommand(text: string): { help: string; options: string[] } {
  const prefix = CLI.exec(text)![0];
  const tokens = text.slice(prefix.length).trim().split(/\s+/).filter(Boolean);
  const words: string[] = [];
  for (const tok of tokens) {
    if (!/^[a-z][a-z-]*$/.test(tok)) break;
    words.push(tok);
  }
  const options = tokens
    .filter((tok) => /^--[a-z]/.test(tok) && tok !== "--help")
    .map((tok) => tok.replace(/=.*$/, ""));
  return { help: [prefix, ...words, "--help"].join(" "), options };
}

test("every fleuve command named inline exists and has the options the docs give it", async () => {
  assert.ok(inlineCommands.length >= 10, `only ${inlineCommands.length} inline commands found`);
  const cwd = sandbox("inline");
  const checked = new Map<string, Ran>();
  const problems: string[] = [];
  for (const c of inlineCommands) {
    // `fleuve topics|produce|consume`, `fleuve topics/produce/consume`: each alternative.
    const prefix = CLI.exec(c.text)![0];
    let variants = [prefix];
    for (const tok of c.text.slice(prefix.length).trim().split(/\s+/).filter(Boolean)) {
      const alternatives = /^[a-z][a-z-]*(?:[|/][a-z][a-z-]*)+$/.test(tok) ? tok.split(/[|/]/) : [tok];
      variants = variants.flatMap((v) => alternatives.map((a) => `${v} ${a}`));
    }
    for (const variant of variants) {
      const { help, options } = helpCommand(variant);
      let r = checked.get(help);
      if (r === undefined) {
        r = await shell(help, cwd).done;
        checked.set(help, r);
      }
      if (r.code !== 0)
        problems.push(`${describe(c)}: '${help}' exited ${r.code}: ${r.stderr.split("\n")[0]}`);
      for (const o of options) {
        if (!r.stdout.includes(o)) problems.push(`${describe(c)}: '${help}' does not list ${o}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test("every npm script and node script named inline exists", () => {
  assert.ok(inlineScripts.length >= 5, `only ${inlineScripts.length} inline npm/node commands found`);
  const npmScripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: object })
    .scripts;
  const problems: string[] = [];
  for (const c of inlineScripts) {
    const script = /^npm run ([\w:-]+)/.exec(c.text)?.[1];
    if (script !== undefined && !(script in npmScripts))
      problems.push(`${describe(c)}: no npm script '${script}'`);
    // `node [--flag [value]]... file.ts`: the file must be there.
    const file = c.text.split(/\s+/).find((tok) => /^[\w.-]+(?:\/[\w.-]+)+\.(?:m?js|ts)$/.test(tok));
    if (file !== undefined && !existsSync(join(ROOT, file))) problems.push(`${describe(c)}: no file ${file}`);
  }
  assert.deepEqual(problems, []);
});
