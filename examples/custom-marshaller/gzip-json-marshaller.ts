import { gunzipSync, gzipSync } from 'node:zlib';
import { type Marshaller, SerializationError } from '@synced-cache/core';

/**
 * A marshaller that stores gzip-compressed JSON: large, repetitive values take a fraction of the
 * bytes in Redis and on the bus. Both directions throw `SerializationError` on bad input, as the
 * `Marshaller` contract asks.
 *
 * @typeParam V - the value type (anything `JSON.stringify` keeps as is).
 */
export function createGzipJsonMarshaller<V>(): Marshaller<V> {
  return {
    contractVersion: 1,
    name: 'gzip-json',
    encode(value: V): Uint8Array {
      const json = JSON.stringify(value);
      if (json === undefined) throw new SerializationError('gzip-json cannot encode this value');
      return gzipSync(json);
    },
    decode(bytes: Uint8Array): V {
      try {
        return JSON.parse(gunzipSync(bytes).toString('utf8')) as V;
      } catch (error) {
        throw new SerializationError('gzip-json could not decode the bytes', { cause: error });
      }
    },
  };
}
