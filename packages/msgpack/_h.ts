import { Packr, Unpackr } from 'msgpackr';
import { createJsonMarshaller } from '../json/src/index.ts';
import { createMsgpackMarshaller } from './src/index.ts';

function user(i: number) {
  return {
    id: i,
    name: `User ${i}`,
    email: `user${i}@example.com`,
    active: i % 3 !== 0,
    score: i * 1.25,
    roles: i % 2 === 0 ? ['reader', 'author'] : ['reader'],
    address: { street: `${i} Main Street`, city: 'Springfield', zip: `${10000 + i}` },
    lastLogin: '2024-05-01T12:00:00.000Z',
  };
}
const size = process.argv[2] ?? 'medium';
const v =
  size === 'small' ? user(1) : { page: 1, total: 25, users: Array.from({ length: 25 }, (_, i) => user(i)) };
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });
const m = createMsgpackMarshaller();
const j = createJsonMarshaller();
const b = m.encode(v);
const s = JSON.stringify(v);
const jb = j.encode(v);
let sink: unknown;
const cands: Array<[string, () => unknown]> = [
  ['raw pack', () => packr.pack(v)],
  ['ours encode', () => m.encode(v)],
  ['raw unpack', () => unpackr.unpack(b)],
  ['ours decode', () => m.decode(b)],
  ['stringify', () => JSON.stringify(v)],
  ['json encode', () => j.encode(v)],
  ['parse', () => JSON.parse(s)],
  ['json decode', () => j.decode(jb)],
];
const N = size === 'small' ? 5000 : 300;
const res = new Map<string, number[]>();
for (let r = 0; r < 40; r++)
  for (const [name, f] of cands) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink = f();
    const dt = Number(process.hrtime.bigint() - t) / N;
    if (r >= 5) {
      (res.get(name) ?? res.set(name, []).get(name)!).push(dt);
    }
  }
for (const [name, xs] of res) {
  xs.sort((a, b) => a - b);
  console.log(
    name.padEnd(14),
    'min',
    xs[0]!.toFixed(0),
    'p25',
    xs[Math.floor(xs.length / 4)]!.toFixed(0),
    'med',
    xs[Math.floor(xs.length / 2)]!.toFixed(0),
  );
}
