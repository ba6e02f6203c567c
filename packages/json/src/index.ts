/**
 * `@synced-cache/json`: a type-faithful JSON marshaller for synced-cache.
 *
 * @packageDocumentation
 */
export { createJsonMarshaller } from './marshaller.js';
export type { ClassCodec, JsonMarshallerOptions } from './options.js';

export { VERSION } from './version.js';
