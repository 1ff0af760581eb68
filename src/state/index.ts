export { createMemoryStateStore, type MemoryStoreOptions } from "./memory-store.js";
export { type NamespaceView, type NamespaceViewOptions, watchNamespace } from "./namespace-view.js";
export { type OpenStateDeps, openStateStore, STATE_FILE } from "./open-state-store.js";
export { createRedisStateStore, type RedisStoreOptions } from "./redis-store.js";
export { openSqliteStateStore, type SqliteStoreOptions } from "./sqlite-store.js";
export type {
  PutIfAbsentResult,
  PutOptions,
  StateEntry,
  StateStore,
  StateStoreKind,
} from "./state-store.js";
