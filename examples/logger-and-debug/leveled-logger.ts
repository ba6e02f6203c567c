import type { LogFields, Logger } from '@synced-cache/core';

/** Log levels, least to most severe. */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** One of {@link LEVELS}. */
export type Level = (typeof LEVELS)[number];

/**
 * A logger with a minimum level and a prefix on every line, writing `key=value` fields, the shape
 * a log collector parses. Any object with `debug/info/warn/error(message, fields?)` is a `Logger`.
 */
export function createLeveledLogger(prefix: string, minimum: Level, write = console.log): Logger {
  const threshold = LEVELS.indexOf(minimum);
  const line = (level: Level, message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(level) < threshold) return;
    const rendered = Object.entries(fields ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => ` ${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join('');
    write(`${prefix} ${level.toUpperCase()} ${message}${rendered}`);
  };
  return {
    debug: (message, fields) => line('debug', message, fields),
    info: (message, fields) => line('info', message, fields),
    warn: (message, fields) => line('warn', message, fields),
    error: (message, fields) => line('error', message, fields),
  };
}
