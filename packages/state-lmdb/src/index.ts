/** @fleuve/state-lmdb: keyed state in LMDB with incremental checkpoints. */
export {
  LMDB_SNAPSHOT_FORMAT,
  LmdbKeyedStateBackend,
  type LmdbStateBackendOptions,
  LmdbTable,
  lmdbStateBackend,
} from "./lmdb-state-backend.js";
