/**
 * Path-tracking failures for marshaller authors: a walk over a value throws a {@link WalkFailure}
 * deep inside, every container frame it unwinds through adds the path segment that led there, and
 * {@link toSerializationError} turns it into the public `SerializationError` with a `$.a.b[3]` path
 * (and a cycle report on encode). Shared by `@synced-cache/json` and `@synced-cache/msgpack`, so
 * both report the same paths.
 *
 * @packageDocumentation
 */
import { LimitExceededError, SerializationError } from './errors.js';

/**
 * Internal error thrown deep inside a walk. Each container frame it unwinds through adds the path
 * segment that led to the failing child, so the hot loops never build paths on success.
 */
export class WalkFailure {
  /** Path segments, innermost first. */
  readonly segments: string[] = [];
  /** Containers on the way to the failure, innermost first (used to tell a cycle from plain depth). */
  readonly containers: object[] = [];
  constructor(
    readonly message: string,
    readonly cause?: unknown,
    readonly isDepth = false,
  ) {}
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Path segment for an object key: `.name` or `["odd key"]`. */
export function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Path segment for a `Map` entry's value: `.get("key")` for primitive keys, else `.values()[i]`. */
export function mapValueSegment(key: unknown, index: number): string {
  switch (typeof key) {
    case 'string':
      return `.get(${JSON.stringify(key)})`;
    case 'number':
    case 'boolean':
      return `.get(${String(key)})`;
    case 'bigint':
      return `.get(${key}n)`;
    default:
      return key === null ? '.get(null)' : `.values()[${index}]`;
  }
}

/** Adds the segment leading into a failing child and rethrows; other errors become failures. */
export function rethrowWithSegment(error: unknown, segment: string, container: object): never {
  const failure = error instanceof WalkFailure ? error : new WalkFailure(describeError(error), error);
  failure.segments.push(segment);
  failure.containers.push(container);
  throw failure;
}

/** A failure for a limit; its `cause` is a `LimitExceededError`. */
export function limitFailure(
  limit: 'maxDepth' | 'maxLength' | 'maxBytes',
  max: number,
  actual: number,
): WalkFailure {
  return new WalkFailure(
    `${limit} exceeded: ${actual} > ${max}`,
    new LimitExceededError(limit, max, actual),
    limit === 'maxDepth',
  );
}

/** A depth failure at `container`; on encode it may turn out to be a cycle. */
export function depthFailure(max: number, container: object): WalkFailure {
  const failure = limitFailure('maxDepth', max, max + 1);
  failure.containers.push(container);
  return failure;
}

/** The message of whatever was thrown. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Converts whatever a walk threw into the public `SerializationError`. */
export function toSerializationError(
  error: unknown,
  action: 'encode' | 'decode',
  format: string,
): SerializationError {
  if (SerializationError.isInstance(error)) return error;
  if (!(error instanceof WalkFailure)) {
    // Engine limits (stack overflow, out-of-range allocations) end up here; they are still the
    // caller's input at fault, reported in the one error type the contract promises.
    return new SerializationError(`cannot ${action} ${format}: ${describeError(error)}`, {
      action,
      cause: error,
    });
  }
  const segments = error.segments.slice().reverse();
  if (action === 'encode' && error.isDepth) {
    const containers = error.containers.slice().reverse();
    // containers[k] is reached by segments[0..k); a repeated container means a cycle.
    const seen = new Map<object, number>();
    for (let index = 0; index < containers.length; index++) {
      const container = containers[index] as object;
      const first = seen.get(container);
      if (first !== undefined) {
        const path = `$${segments.slice(0, index).join('')}`;
        const target = `$${segments.slice(0, first).join('')}`;
        return new SerializationError(
          `cannot encode ${format}: cyclic reference at ${path} (back to ${target})`,
          {
            action,
            path,
          },
        );
      }
      seen.set(container, index);
    }
  }
  const path = `$${segments.join('')}`;
  return new SerializationError(`cannot ${action} ${format}: ${error.message} at ${path}`, {
    action,
    path,
    cause: error.cause,
  });
}
