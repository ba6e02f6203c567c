/**
 * `@synced-cache/msgpack`: a type-faithful msgpack marshaller for synced-cache, over msgpackr.
 *
 * @packageDocumentation
 */
export { createMsgpackMarshaller } from './marshaller.js';
export type { ClassCodec, MsgpackMarshallerOptions } from './options.js';

/** This package's version. */
export const VERSION: string = '0.1.0';
