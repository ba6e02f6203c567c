import type { LogFields, Logger } from './contracts.js';

/**
 * A logger that writes to `console`, each line starting with `prefix` (the Go library's
 * `NewConsoleLogger(prefix)`).
 *
 * @example
 * ```ts
 * const cache = await createCache({ logger: createConsoleLogger('[orders-cache]'), debug: true });
 * ```
 */
export function createConsoleLogger(prefix = '[synced-cache]'): Logger {
  const line = prefix === '' ? (message: string) => message : (message: string) => `${prefix} ${message}`;
  return {
    debug: (message: string, fields?: LogFields) => console.debug(line(message), fields ?? ''),
    info: (message: string, fields?: LogFields) => console.info(line(message), fields ?? ''),
    warn: (message: string, fields?: LogFields) => console.warn(line(message), fields ?? ''),
    error: (message: string, fields?: LogFields) => console.error(line(message), fields ?? ''),
  };
}

/**
 * The default logger: `console`, prefixed with `[synced-cache]` (the Go library's `ConsoleLogger`).
 * The cache logs errors at most once per operation and code every 10 s, and debug lines only with
 * `debug: true`.
 */
export const consoleLogger: Logger = createConsoleLogger();

const nothing = (): void => {};

/** A logger that drops everything (the Go library's `NoOpLogger`, its default; not ours). */
export const noopLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
