import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';

describe('MemoryStore copies bytes in and out', () => {
  it('changing the caller’s buffer after set does not change the stored bytes', async () => {
    const store = new MemoryStore();
    // A small Buffer.from is a view into Node's shared 8 KiB pool: the case that used to be kept.
    const written = Buffer.from('{"name":"Ada"}');
    const plain = new Uint8Array([1, 2, 3]);
    await store.set('k', written);
    await store.set('p', plain);
    written.fill(0);
    plain.fill(9);
    expect(Buffer.from((await store.get('k'))!.payload).toString()).toBe('{"name":"Ada"}');
    expect([...(await store.get('p'))!.payload]).toEqual([1, 2, 3]);
  });

  it('changing bytes a reader got does not change the store or other readers', async () => {
    const store = new MemoryStore();
    await store.set('k', new Uint8Array([5, 6, 7]));
    const first = (await store.get('k'))!.payload;
    first.fill(0);
    const [many] = await store.getMany(['k']);
    many!.payload.fill(1);
    expect([...(await store.get('k'))!.payload]).toEqual([5, 6, 7]);
  });

  it('stored bytes share no memory with the caller’s ArrayBuffer', async () => {
    const store = new MemoryStore();
    const written = Buffer.from('shared?');
    await store.set('k', written);
    const read = (await store.get('k'))!.payload;
    expect(read.buffer === written.buffer && read.byteOffset === written.byteOffset).toBe(false);
  });

  it('round-trips any bytes exactly (every byte value, any offset into a larger buffer)', async () => {
    const store = new MemoryStore();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.nat(16), async (bytes, offset) => {
        const backing = new Uint8Array(offset + bytes.length + 3);
        backing.set(bytes, offset);
        await store.set('k', backing.subarray(offset, offset + bytes.length));
        const read = (await store.get('k'))!.payload;
        expect(read).toBeInstanceOf(Uint8Array);
        expect([...read]).toEqual([...bytes]);
      }),
      { numRuns: 300 },
    );
  });
});
