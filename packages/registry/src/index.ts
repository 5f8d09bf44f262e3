/**
 * `@fleuve/registry`: a schema registry speaking Confluent Schema Registry's REST API, and
 * serializers in Confluent's wire format.
 */

export { type FetchedSchema, RegistryClient, type RegistryTarget } from "./client.js";
export { isKnownProtoFile, KNOWN_PROTO_FILES } from "./compat/known-protos.js";
export { ERROR_CODES, errors, REGISTRY_ERROR_CODES, RegistryError } from "./errors.js";
export { KafkaStore, type KafkaStoreOptions } from "./kafka-store.js";
export { LogStore, type LogStoreOptions } from "./log-store.js";
export {
  MODES,
  type Mode,
  SchemaRegistry,
  type SchemaRegistryOptions,
  type SchemaRequest,
  type SubjectVersion,
} from "./registry.js";
export {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  compatibilityIssues,
  type ParsedSchema,
  parseSchema,
  readIssues,
  SCHEMA_TYPES,
  type SchemaTypeName,
  schemaTypeOf,
} from "./schema-types.js";
export {
  decodeMessageIndexes,
  encodeMessageIndexes,
  MAGIC_BYTE,
  readWireHeader,
  type SchemaCodec,
  type SchemaDeserializer,
  type SchemaDeserializerOptions,
  type SchemaSerializer,
  type SchemaSerializerOptions,
  SchemaValidationError,
  schemaCodec,
  schemaDeserializer,
  schemaSerializer,
  wireHeader,
} from "./serde.js";
export { CONTENT_TYPE, type RegistryServer, type ServeOptions, serveRegistry } from "./server.js";
export { type RunningRegistry, type StartRegistryOptions, startRegistry } from "./start.js";
export {
  keyString,
  MemoryStore,
  parseKey,
  type RegistryStore,
  type SchemaReference,
  type SchemaValue,
  type StoreKey,
  type StoreRecord,
  type StoreValue,
} from "./store.js";
export { typescriptTypes } from "./typescript.js";
