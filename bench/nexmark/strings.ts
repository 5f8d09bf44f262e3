// The generator moved to @fleuve/sql (packages/sql/src/nexmark/strings.ts), which the 'nexmark' SQL
// connector reads; the bench keeps importing it from here.
export * from "@fleuve/sql/nexmark";
