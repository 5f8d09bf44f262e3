/**
 * Turning Kafka bytes into values and back: the formats every connector shares (see
 * `@fleuve/core`'s `deserializer`/`serializer`), re-exported under the names this package used.
 */
export { type Deserializer, deserializer, type Serializer, serializer } from "@fleuve/core";
