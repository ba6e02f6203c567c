/**
 * `@synced-cache/json`: a type-faithful JSON marshaller for synced-cache.
 *
 * @packageDocumentation
 */
export { createJsonMarshaller } from './marshaller.js';
export type { ClassCodec, JsonMarshallerOptions } from './options.js';

/** This package's version. */
export const VERSION: string = '0.1.0';
