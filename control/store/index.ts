// control/store: the Store implementations (control/api/store.ts) and the one
// place that chooses a backend from the command line's options.

export { MemoryStore, DEFAULT_HISTORY_LIMIT } from './memory-store.ts';
export type { MemoryStoreOptions } from './memory-store.ts';
export { FileStore, openFileStore } from './file-store.ts';
export type { FileStoreOptions, JournalStats } from './file-store.ts';
export { RedisStore, openRedisStore } from './redis-store.ts';
export type { RedisStoreOptions } from './redis-store.ts';
export { EtcdStore, openEtcdStore } from './etcd-store.ts';
export type { EtcdReadOptions, EtcdStoreOptions } from './etcd-store.ts';
export { openStore } from './open-store.ts';
export type { OpenStoreOptions } from './open-store.ts';
