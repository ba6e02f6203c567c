import { InvalidConfigError } from '@synced-cache/core';

/** Validates a probability (or, with `max`, a non-negative number up to `max`). */
export function checkRate(option: string, value: unknown, fallback: number, max = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > max) {
    throw new InvalidConfigError(
      option,
      value,
      max === 1 ? 'a probability between 0 and 1' : 'a number of milliseconds ≥ 0',
    );
  }
  return value;
}

/** Validates a PRNG seed. */
export function checkSeed(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidConfigError('seed', value, 'a finite number');
  }
  return value;
}
