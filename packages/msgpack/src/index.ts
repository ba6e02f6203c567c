/**
 * `@synced-cache/msgpack`: a type-faithful msgpack marshaller for synced-cache, over msgpackr.
 *
 * @packageDocumentation
 */
export { createMsgpackMarshaller } from './marshaller.js';
export type { ClassCodec, MsgpackMarshallerOptions } from './options.js';

export { VERSION } from './version.js';
