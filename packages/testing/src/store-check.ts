/** The shape of one check of the store suite, shared by the suite's files. */
import type { Store } from '@synced-cache/core';

/** @internal What a store check receives. */
export interface StoreCheckContext {
  /** The store of this test. */
  store: Store;
  /** A random prefix that no other test uses, e.g. `t-k3j9x0a1b2:`. Every key starts with it. */
  prefix: string;
  /** Opens another connection to the same backend (closed after the test). */
  open(): Promise<Store>;
}

/** @internal One behaviour of the store suite. */
export interface StoreCheck {
  name: string;
  run(context: StoreCheckContext): Promise<void>;
}
