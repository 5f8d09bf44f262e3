/**
 * A subject's (or context's, or the top level's) configuration beyond its compatibility level, as
 * Confluent's open-source registry keeps it (ConfigValue) and updates it (ConfigUpdateRequest):
 * `alias`, `normalize`, `validateFields`, `validateRules`, `compatibilityGroup`,
 * `compatibilityPolicy`, `defaultMetadata`, `overrideMetadata`, `defaultRuleSet`,
 * `overrideRuleSet`, stored with the level in the CONFIG record.
 */
import { errors, RegistryError } from "./errors.js";
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from "./schema-types.js";

/** A CONFIG record's value (Confluent's ConfigValue fields; absent ones are unset). */
export interface ConfigValue {
  compatibilityLevel?: CompatibilityLevel;
  /** Requests for this subject (path `/subjects/{subject}`, `?subject=`) act on the alias subject. */
  alias?: string;
  /** Registrations, lookups and compatibility tests normalize schemas as `?normalize=true` does. */
  normalize?: boolean;
  validateFields?: boolean;
  validateRules?: boolean;
  compatibilityPolicy?: string;
  compatibilityGroup?: string;
  defaultMetadata?: Record<string, unknown>;
  overrideMetadata?: Record<string, unknown>;
  defaultRuleSet?: Record<string, unknown>;
  overrideRuleSet?: Record<string, unknown>;
}

const STRINGS = ["alias", "compatibilityPolicy", "compatibilityGroup"] as const;
const BOOLEANS = ["normalize", "validateFields", "validateRules"] as const;
const OBJECTS = ["defaultMetadata", "overrideMetadata", "defaultRuleSet", "overrideRuleSet"] as const;

/** A field of a request body that does not have its type: Jackson's mapping error, as Confluent answers it. */
function badField(field: string, value: unknown, want: string): RegistryError {
  return new RegistryError(
    422,
    422,
    `Unrecognized request body: field '${field}' must be ${want}, got ${JSON.stringify(value)}`,
  );
}

const MIGRATION_MODES = new Set(["UPGRADE", "DOWNGRADE", "UPDOWN"]);
const DOMAIN_MODES = new Set(["WRITE", "READ", "WRITEREAD"]);

/** Confluent's Rule.validate and RuleSet.validate: 42210 with their messages. */
function validateRuleSet(ruleSet: Record<string, unknown>): void {
  const names = new Set<string>();
  const groups: [string, Set<string>, string][] = [
    ["migrationRules", MIGRATION_MODES, "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN"],
    ["domainRules", DOMAIN_MODES, "Domain rules can only be WRITE, READ, WRITEREAD"],
    ["encodingRules", DOMAIN_MODES, "Encoding rules can only be WRITE, READ, WRITEREAD"],
  ];
  for (const [key, modes, wrongMode] of groups) {
    const rules = ruleSet[key];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) throw badField(key, rules, "an array of rules");
    for (const rule of rules as Record<string, unknown>[]) {
      const name = rule?.name;
      if (typeof name === "string" && names.has(name))
        throw errors.invalidRuleSet(`Found rule with duplicate name '${name}'`);
      if (typeof name === "string") names.add(name);
      if (typeof name !== "string") throw errors.invalidRuleSet("Missing rule name");
      if (name.length === 0) throw errors.invalidRuleSet("Empty rule name");
      if (name.length > 256) throw errors.invalidRuleSet("Rule name too long");
      if (!/^[\p{L}_]/u.test(name))
        throw errors.invalidRuleSet(`Illegal initial character in rule name: ${name}`);
      if (!/^.[\p{L}\p{Nd}_-]*$/u.test(name))
        throw errors.invalidRuleSet(`Illegal character in rule name: ${name}`);
      if (rule.type === undefined || rule.type === null) throw errors.invalidRuleSet("Missing rule type");
      const mode = typeof rule.mode === "string" ? rule.mode.toUpperCase() : "WRITEREAD";
      for (const action of [rule.onSuccess, rule.onFailure]) {
        if (mode !== "WRITEREAD" && mode !== "UPDOWN" && typeof action === "string" && action.includes(","))
          throw errors.invalidRuleSet("Multiple actions only valid with WRITEREAD and UPDOWN");
      }
      if (!modes.has(mode)) throw errors.invalidRuleSet(wrongMode);
    }
  }
}

/**
 * The config after `PUT /config[/{subject}]` with `body`, as Confluent's ConfigValue.update: a
 * field the body has replaces the old one (null unsets it), a field it lacks keeps the old one.
 * Checks in Confluent's order: the level (42203), then the rule sets (42210).
 */
export function updatedConfig(old: ConfigValue | undefined, body: Record<string, unknown>): ConfigValue {
  const out: Record<string, unknown> = { ...(old ?? {}) };
  const has = (k: string) => Object.hasOwn(body, k);
  // ConfigUpdateRequest's property is `compatibility`; `compatibilityLevel` (Config's) is read too.
  const levelKey = has("compatibility")
    ? "compatibility"
    : has("compatibilityLevel")
      ? "compatibilityLevel"
      : undefined;
  if (levelKey !== undefined) {
    const raw = body[levelKey];
    if (raw === null) delete out.compatibilityLevel;
    else {
      const level = typeof raw === "string" ? raw.toUpperCase() : undefined;
      if (level === undefined || !(COMPATIBILITY_LEVELS as readonly string[]).includes(level))
        throw errors.invalidCompatibility(raw);
      out.compatibilityLevel = level;
    }
  }
  for (const k of OBJECTS) {
    const v = body[k];
    if (!has(k) || v === null) continue;
    if (typeof v !== "object" || Array.isArray(v)) throw badField(k, v, "an object");
    if (k.endsWith("RuleSet")) validateRuleSet(v as Record<string, unknown>);
  }
  for (const k of [...STRINGS, ...BOOLEANS, ...OBJECTS]) {
    if (!has(k)) continue;
    const v = body[k];
    if (v === null) {
      delete out[k];
      continue;
    }
    if ((STRINGS as readonly string[]).includes(k)) {
      if (typeof v !== "string") throw badField(k, v, "a string");
      out[k] = v;
    } else if ((BOOLEANS as readonly string[]).includes(k)) {
      // Jackson reads "true" and "false" as booleans too.
      if (v === true || v === "true") out[k] = true;
      else if (v === false || v === "false") out[k] = false;
      else throw badField(k, v, "a boolean");
    } else out[k] = v;
  }
  return out as ConfigValue;
}

/**
 * A config as `GET /config` answers it (Confluent's Config: every set field, the level under
 * `compatibilityLevel`, the default one when the config has none, as its InMemoryCache fills it in).
 */
export function configAnswer(c: ConfigValue, defaultLevel: CompatibilityLevel): Record<string, unknown> {
  const { compatibilityLevel, ...rest } = c;
  return { ...rest, compatibilityLevel: compatibilityLevel ?? defaultLevel };
}

/** A config as `PUT /config` answers it (Confluent's ConfigUpdateRequest: the level under `compatibility`). */
export function configUpdateAnswer(c: ConfigValue): Record<string, unknown> {
  const { compatibilityLevel, ...rest } = c;
  return { ...rest, ...(compatibilityLevel !== undefined ? { compatibility: compatibilityLevel } : {}) };
}

/**
 * Confluent's Config.mergeConfigs(global, subject), for a subject with a config of its own: its
 * alias, level, metadata and rule sets; the flags, policy and group from the global config when it
 * has none.
 */
export function mergeConfigs(global: ConfigValue, own: ConfigValue): ConfigValue {
  const out: ConfigValue = { ...own };
  for (const k of [...BOOLEANS, "compatibilityPolicy", "compatibilityGroup"] as const) {
    if (out[k] === undefined && global[k] !== undefined) (out as Record<string, unknown>)[k] = global[k];
  }
  return out;
}
