/**
 * Zipf sampler over ranks `0 … keyCount-1` (rank 0 the most popular): P(rank r) ∝ 1/(r+1)^s.
 * Inverse-CDF over a precomputed table with binary search: exact and O(log n) per sample.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    readonly keyCount: number,
    readonly exponent: number,
  ) {
    const cdf = new Float64Array(keyCount);
    let sum = 0;
    for (let rank = 0; rank < keyCount; rank++) {
      sum += 1 / (rank + 1) ** exponent;
      cdf[rank] = sum;
    }
    for (let rank = 0; rank < keyCount; rank++) cdf[rank] = cdf[rank]! / sum;
    this.cdf = cdf;
  }

  /** The rank for a uniform random number in [0, 1). */
  sample(uniform: number): number {
    const cdf = this.cdf;
    let low = 0;
    let high = cdf.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cdf[middle]! < uniform) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
