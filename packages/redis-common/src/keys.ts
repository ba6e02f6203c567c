/**
 * Key helpers: SCAN MATCH escaping and Cluster slot computation.
 *
 * @packageDocumentation
 */

const GLOB_SPECIAL = /[*?[\]\\^-]/g;

/**
 * Escapes Redis glob characters (`* ? [ ] \ ^ -`) with a backslash so a prefix matches only
 * itself in `SCAN … MATCH`.
 *
 * @example escapeGlob('a*b') === 'a\\*b'
 */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, '\\$&');
}

/** The `SCAN … MATCH` pattern for every key that starts with `prefix` (literally). */
export function scanPattern(prefix: string): string {
  return `${escapeGlob(prefix)}*`;
}

/** Number of hash slots in a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let index = 0; index < 256; index++) {
    let crc = index << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[index] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let index = start; index < end; index++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[index]!) & 0xff]!;
  }
  return crc;
}

const encoder = new TextEncoder();

/**
 * The Redis Cluster hash slot of a key (CRC16/XMODEM of the UTF-8 bytes, honouring the first
 * non-empty `{hash tag}`), exactly as the server computes it.
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? encoder.encode(key) : key;
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes, open + 1, close) % CLUSTER_SLOTS;
  }
  return crc16(bytes, 0, bytes.length) % CLUSTER_SLOTS;
}

/**
 * Groups key indexes by Cluster slot, preserving order within each group. Keys of one group
 * can go to one multi-key command or script without CROSSSLOT errors.
 */
export function groupBySlot(keys: readonly string[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let index = 0; index < keys.length; index++) {
    const slot = keySlot(keys[index]!);
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [index]);
    else group.push(index);
  }
  return groups;
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
