// The layer check (`npm run check:layers`, run by `npm run lint`): dependency-cruiser rules for
// the import graph of every package's src/. docs/ARCHITECTURE.md ("Layers") shows the same
// layers; change both together. Paths are relative to the folder the check runs in.

/**
 * Folders of @fleuve/core, lowest layer first. A module may import its own folder, and folders of
 * lower layers; never a higher layer, nor another folder of its own layer (except in the base
 * layer). Type-only imports count too: a layer that names a type above it depends on it.
 */
const CORE_LAYERS = [
  ["errors.ts", "time", "metrics"], // base: errors, watermarks, metrics
  ["spi"], // the operator SPI (@fleuve/core/spi): operator base classes, timers, keyed state access, key groups
  ["state", "functions", "connector"], // state backends; user function interfaces; Source/Sink interfaces
  ["operators", "sinks"], // built-in operators; built-in sinks
  ["windows", "joins"], // window and join operators
  ["graph", "checkpoint"], // the stream graph; checkpoint storage and restore (state redistribution)
  ["api"], // the DataStream API, configuration, the JobExecutor seam
  ["runtime"], // the executor: job graph, subtasks, channels, checkpoint coordinator, worker threads
  ["scale-out"], // a job cut into units over processes (@fleuve/core/scale-out)
  ["index.ts", "register-executor.ts", "testing"], // entry points: wire the runtime behind the API
];
/** Layers whose folders may import each other (the base, and the entry points, which wire the others). */
const OPEN_LAYERS = new Set([0, CORE_LAYERS.length - 1]);

/** Packages and the @fleuve packages each may import (besides itself). */
const PACKAGES = {
  core: [],
  "state-lmdb": ["core"],
  log: ["core"],
  kafka: ["core"],
  cep: ["core"],
  sql: ["core", "cep", "registry"],
  registry: ["core", "log", "kafka"],
  metrics: ["core"],
  alerts: ["core"],
  dashboard: ["core"],
  cli: ["core", "log", "kafka", "registry", "metrics", "sql", "dashboard"],
};

const CORE = "^packages/core/src/";
const esc = (s) => s.replace(/[.]/g, "[.]");
const folderRe = (names) =>
  `${CORE}(${names.map((n) => (n.endsWith(".ts") ? `${esc(n)}$` : `${n}/`)).join("|")})`;

const layerRules = CORE_LAYERS.flatMap((layer, i) => {
  const above = CORE_LAYERS.slice(i + 1).flat();
  const rules = [];
  if (above.length > 0) {
    rules.push({
      name: `core-layer-up:${layer.join(",")}`,
      comment: `${layer.join(", ")} may import only lower layers of core (docs/ARCHITECTURE.md, Layers)`,
      severity: "error",
      from: { path: folderRe(layer) },
      to: { path: folderRe(above) },
    });
  }
  if (!OPEN_LAYERS.has(i)) {
    for (const folder of layer) {
      const siblings = layer.filter((f) => f !== folder);
      if (siblings.length === 0) continue;
      rules.push({
        name: `core-layer-sideways:${folder}`,
        comment: `${folder} may not import ${siblings.join(", ")} (same layer: they are independent)`,
        severity: "error",
        from: { path: folderRe([folder]) },
        to: { path: folderRe(siblings) },
      });
    }
  }
  return rules;
});

const packageRules = Object.entries(PACKAGES).map(([pkg, allowed]) => {
  const others = Object.keys(PACKAGES).filter((p) => p !== pkg && !allowed.includes(p));
  return {
    name: `package-deps:${pkg}`,
    comment: `@fleuve/${pkg} may depend on ${allowed.length ? allowed.map((a) => `@fleuve/${a}`).join(", ") : "no other @fleuve package"}`,
    severity: "error",
    from: { path: `^packages/${pkg}/` },
    to: { path: `^(packages|node_modules/@fleuve)/(${others.join("|")})/` },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-run-time-cycle",
      comment:
        "an import cycle that survives compilation (type-only imports left out): modules would see each other half-initialised",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: {
        circular: true,
        dependencyTypesNot: ["type-only"],
        viaOnly: { dependencyTypesNot: ["type-only"] },
      },
    },
    {
      name: "no-cycle-through-executor-or-spi",
      comment:
        "no cycle at all, type imports included, through the executor (runtime/) or the operator SPI (spi/)",
      severity: "error",
      from: { path: `${CORE}(runtime|spi)/` },
      to: { circular: true },
    },
    {
      name: "no-relative-import-into-another-package",
      comment: "import another package by its name (@fleuve/...), never by a path into its folder",
      severity: "error",
      from: { path: "^packages/([^/]+)/" },
      to: {
        path: "^packages/",
        pathNot: "^packages/$1/",
        dependencyTypes: ["local"],
        dependencyTypesNot: ["aliased"],
      },
    },
    {
      name: "no-unresolved-package-import",
      comment:
        "an @fleuve import the check cannot resolve would escape every rule: map it in .dependency-cruiser.tsconfig.json",
      severity: "error",
      from: {},
      to: { path: "^@fleuve/", couldNotResolve: true },
    },
    ...layerRules,
    ...packageRules,
  ],
  options: {
    includeOnly: "^(packages/|node_modules/@fleuve/|@fleuve/)",
    exclude: { path: "^packages/[^/]+/test/" },
    doNotFollow: { path: ["node_modules", "^packages/[^/]+/dist/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: ".dependency-cruiser.tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "node", "default"],
      extensions: [".ts", ".js"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
