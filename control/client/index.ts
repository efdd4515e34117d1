// control/client: the HTTP implementation of the Client contract.

export type { HttpClientOptions } from './http-client.ts';
export { HttpClient } from './http-client.ts';
export { groupVersionPath, collectionPath, objectPath } from './rest-paths.ts';
export { lineReader } from './line-reader.ts';
