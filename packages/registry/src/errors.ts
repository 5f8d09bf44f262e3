/**
 * Errors of the registry's REST API, with Confluent Schema Registry's HTTP statuses, `error_code`s
 * and messages (io.confluent.kafka.schemaregistry.rest.exceptions.Errors), and the Fleuve error
 * codes `fleuve registry` commands report (docs/errors.md, `@fleuve/registry` section; a test
 * checks the two agree).
 */

import { defineErrorCodes } from "@fleuve/core";

/** The codes of `fleuve registry` commands, with a one-line meaning each (the same text as docs/errors.md). */
export const REGISTRY_ERROR_CODES = defineErrorCodes("@fleuve/registry", {
  FLEUVE_REGISTRY_NOT_FOUND:
    "A subject, version or schema a command asked for is not in the schema registry.",
  FLEUVE_REGISTRY_UNREACHABLE: "No schema registry answered at the URL given.",
  FLEUVE_REGISTRY_REQUEST_FAILED:
    "The schema registry refused a request; the message has its error_code and message.",
});

// Makes FleuveError accept the registry's codes wherever this package is loaded.
declare module "@fleuve/core" {
  interface ErrorCodeRegistry extends Record<keyof typeof REGISTRY_ERROR_CODES.codes, true> {}
}

/** An error the REST API answers with `{"error_code": code, "message": message}`. */
export class RegistryError extends Error {
  /**
   * @param status HTTP status of the answer.
   * @param errorCode Confluent's `error_code` (e.g. 40401).
   * @param message The `message` of the answer.
   */
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

/** Confluent's error codes, by name. */
export const ERROR_CODES = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  SCHEMAVERSION_SOFT_DELETED: 40406,
  SCHEMAVERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_COMPATIBILITY_NOT_CONFIGURED: 40408,
  SUBJECT_MODE_NOT_CONFIGURED: 40409,
  INCOMPATIBLE_SCHEMA: 409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  INVALID_MODE: 42204,
  OPERATION_NOT_PERMITTED: 42205,
  REFERENCE_EXISTS: 42206,
  ID_DOES_NOT_MATCH: 42207,
  INVALID_SUBJECT: 42208,
  INVALID_RULESET: 42210,
  CONTEXT_NOT_EMPTY: 42211,
  STORE_ERROR: 50001,
} as const;

/** The errors the API raises, built with Confluent's wording. */
export const errors = {
  subjectNotFound: (subject: string) =>
    new RegistryError(404, ERROR_CODES.SUBJECT_NOT_FOUND, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) =>
    new RegistryError(404, ERROR_CODES.VERSION_NOT_FOUND, `Version ${version} not found.`),
  schemaNotFound: (id?: number) =>
    new RegistryError(
      404,
      ERROR_CODES.SCHEMA_NOT_FOUND,
      id === undefined ? "Schema not found" : `Schema ${id} not found`,
    ),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(
      404,
      ERROR_CODES.SUBJECT_SOFT_DELETED,
      `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`,
    ),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(
      404,
      ERROR_CODES.SUBJECT_NOT_SOFT_DELETED,
      `Subject '${subject}' was not deleted first before being permanently deleted`,
    ),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      ERROR_CODES.SCHEMAVERSION_SOFT_DELETED,
      `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`,
    ),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      ERROR_CODES.SCHEMAVERSION_NOT_SOFT_DELETED,
      `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
    ),
  compatibilityNotConfigured: (subject: string) =>
    new RegistryError(
      404,
      ERROR_CODES.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
      `Subject '${subject}' does not have subject-level compatibility configured`,
    ),
  modeNotConfigured: (subject: string) =>
    new RegistryError(
      404,
      ERROR_CODES.SUBJECT_MODE_NOT_CONFIGURED,
      `Subject '${subject}' does not have subject-level mode configured`,
    ),
  incompatible: (subject: string, messages: string[]) =>
    new RegistryError(
      409,
      ERROR_CODES.INCOMPATIBLE_SCHEMA,
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(", ")}]`,
    ),
  invalidSchema: (message: string) => new RegistryError(422, ERROR_CODES.INVALID_SCHEMA, message),
  invalidVersion: (version: string) =>
    new RegistryError(
      422,
      ERROR_CODES.INVALID_VERSION,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  // Confluent's messages do not name the value given (RestInvalidCompatibilityException,
  // RestInvalidModeException); the parameter stays for callers' logs.
  invalidCompatibility: (_level?: unknown) =>
    new RegistryError(
      422,
      ERROR_CODES.INVALID_COMPATIBILITY_LEVEL,
      "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive",
    ),
  invalidMode: (_mode?: unknown) =>
    new RegistryError(
      422,
      ERROR_CODES.INVALID_MODE,
      "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT.",
    ),
  notPermitted: (message: string) => new RegistryError(422, ERROR_CODES.OPERATION_NOT_PERMITTED, message),
  referenceExists: (message: string) => new RegistryError(422, ERROR_CODES.REFERENCE_EXISTS, message),
  invalidRuleSet: (message: string) => new RegistryError(422, ERROR_CODES.INVALID_RULESET, message),
  contextNotEmpty: (context: string) =>
    new RegistryError(422, ERROR_CODES.CONTEXT_NOT_EMPTY, `The specified context '${context}' is not empty.`),
  idDoesNotMatch: (message: string) => new RegistryError(422, ERROR_CODES.ID_DOES_NOT_MATCH, message),
  invalidSubject: (subject: string) =>
    new RegistryError(422, ERROR_CODES.INVALID_SUBJECT, `The specified subject '${subject}' is not a valid.`),
};
