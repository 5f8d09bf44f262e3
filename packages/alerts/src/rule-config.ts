/**
 * Rules from plain configuration (a file, a CLI flag, the NAB bench's `--rules`). Kept apart
 * from rules.ts because rules built on `anomaly()` (autoSeason) import rules.ts: building them
 * from there would be an import cycle.
 */

import { type EwmaOptions, ewma, type SeasonalEsdOptions, seasonalEsd } from "./detectors.js";
import { type ConfirmedOptions, confirmed, type KnnCadOptions, knnCad } from "./knncad.js";
import {
  type AnomalyOptions,
  anomaly,
  type RateOfChangeOptions,
  type Rule,
  rateOfChange,
  type ThresholdOptions,
  threshold,
} from "./rules.js";
import { type AutoSeasonOptions, autoSeason } from "./season-detect.js";
import { invalid } from "./support.js";

/** A rule given as plain configuration: `{ rule: "anomaly", threshold: 6 }`. */
export type RuleConfig =
  | ({ readonly rule: "threshold" } & ThresholdOptions)
  | ({ readonly rule: "rateOfChange" } & RateOfChangeOptions)
  | ({ readonly rule: "anomaly" } & AnomalyOptions)
  | ({ readonly rule: "ewma" } & EwmaOptions)
  | ({ readonly rule: "seasonalEsd" } & SeasonalEsdOptions)
  | ({ readonly rule: "knnCad" } & KnnCadOptions)
  | ({ readonly rule: "confirmed" } & Omit<ConfirmedOptions, "of" | "by"> & {
        /** The candidates' rule (default `{ rule: "anomaly", cooldown: 0 }`). */
        readonly of?: RuleConfig;
        /** The agreeing rule (default `{ rule: "knnCad", warmup: 0, cooldown: 0 }`). */
        readonly by?: RuleConfig;
      })
  | ({ readonly rule: "autoSeason" } & AutoSeasonOptions);

/** Builds a rule from plain configuration (a file, a CLI flag); unknown rules and options throw. */
export function ruleFromConfig(config: RuleConfig): Rule {
  const { rule, ...options } = config as { rule: unknown } & Record<string, unknown>;
  switch (rule) {
    case "threshold":
      return threshold(options) as Rule;
    case "rateOfChange":
      return rateOfChange(options) as Rule;
    case "anomaly":
      return anomaly(options) as Rule;
    case "ewma":
      return ewma(options) as Rule;
    case "seasonalEsd":
      return seasonalEsd(options) as Rule;
    case "knnCad":
      return knnCad(options) as Rule;
    case "confirmed": {
      const { of, by, ...rest } = options as { of?: RuleConfig; by?: RuleConfig };
      return confirmed({
        ...rest,
        of: ruleFromConfig(of ?? { rule: "anomaly", cooldown: 0 }),
        by: ruleFromConfig(by ?? { rule: "knnCad", warmup: 0, cooldown: 0 }),
      }) as Rule;
    }
    case "autoSeason":
      return autoSeason(options) as Rule;
    default:
      throw invalid(
        "rule",
        `is unknown: ${JSON.stringify(rule)} (rules: threshold, rateOfChange, anomaly, ewma, seasonalEsd, knnCad, confirmed, autoSeason)`,
      );
  }
}
