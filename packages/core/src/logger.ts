import type { LogFields, Logger } from './contracts.js';

/** A logger that writes to `console` (Go: `ConsoleLogger`), prefixed with `[synced-cache]`. */
export const consoleLogger: Logger = {
  debug: (message: string, fields?: LogFields) => console.debug(`[synced-cache] ${message}`, fields ?? ''),
  info: (message: string, fields?: LogFields) => console.info(`[synced-cache] ${message}`, fields ?? ''),
  warn: (message: string, fields?: LogFields) => console.warn(`[synced-cache] ${message}`, fields ?? ''),
  error: (message: string, fields?: LogFields) => console.error(`[synced-cache] ${message}`, fields ?? ''),
};

const nothing = (): void => {};

/** A logger that drops everything (Go: `NoOpLogger`); the default. */
export const noopLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
