// The Node.js floor the project states (engines fields, README) is never below what its Kafka client
// needs: @platformatic/kafka's engines decide it (Node 20 only from 20.19.4). A bump of the client
// that raises its floor fails here until the engines fields and the README say the truth.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";

const root = new URL("../../../", import.meta.url);

type Version = [number, number, number];

function parse(v: string): Version {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v.trim());
  assert.ok(m, `not a version: ${v}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The lowest version a range of `>= x` alternatives (`>= 20.19.4 || >= 22.18.0`) accepts. */
function floor(range: string): Version {
  const mins = range.split("||").map((alt) => {
    const m = /^\s*>=\s*(\S+)\s*$/.exec(alt);
    assert.ok(m, `engines range not of the form '>= x || >= y': ${range}`);
    return parse(m[1]!);
  });
  return mins.sort(compare)[0]!;
}

function engines(path: string): string {
  const pkg = JSON.parse(readFileSync(new URL(path, root), "utf8")) as { engines?: { node?: string } };
  assert.ok(pkg.engines?.node, `${path} has no engines.node`);
  return pkg.engines.node;
}

test("the stated Node.js floor is at least @platformatic/kafka's", () => {
  // Its exports hide package.json from require: read it where npm put it.
  const path = ["packages/kafka/node_modules", "node_modules"]
    .map((dir) => new URL(`${dir}/@platformatic/kafka/package.json`, root))
    .find((url) => existsSync(url));
  assert.ok(path, "@platformatic/kafka is installed");
  const client = JSON.parse(readFileSync(path, "utf8")) as { engines: { node: string } };
  const needed = floor(client.engines.node);
  for (const path of ["package.json", "packages/kafka/package.json", "packages/cli/package.json"]) {
    const stated = floor(engines(path));
    assert.ok(
      compare(stated, needed) >= 0,
      `${path} says node ${engines(path)}, but @platformatic/kafka needs ${client.engines.node}`,
    );
  }
  const readme = readFileSync(new URL("README.md", root), "utf8");
  const said = /Requirements: Node\.js (\d+\.\d+\.\d+) or newer/.exec(readme);
  assert.ok(said, "README.md states the Node.js requirement ('Requirements: Node.js X or newer')");
  assert.deepEqual(parse(said[1]!), floor(engines("package.json")), "README and package.json agree");
});

test("the running Node.js meets the stated floor", () => {
  const running = parse(process.versions.node);
  assert.ok(compare(running, floor(engines("package.json"))) >= 0, `Node ${process.versions.node}`);
});
