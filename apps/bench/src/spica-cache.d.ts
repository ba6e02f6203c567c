/**
 * The part of `spica/cache` the benchmarks use. spica 0.0.810 publishes TypeScript sources without
 * declarations or an `exports` map, so NodeNext resolution cannot find its types (tsx runs it).
 */
declare module 'spica/cache' {
  export class Cache<K, V> {
    constructor(capacity: number);
    get(key: K): V | undefined;
    set(key: K, value: V): this;
    readonly size: number;
  }
}
