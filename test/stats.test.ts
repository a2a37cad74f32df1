import { describe, it, expect } from 'vitest';
import {
  classify,
  detectRestarts,
  erfc,
  mannKendall,
  minSignificantN,
  normalTwoSidedP,
  sparkline,
  splitAt,
  theilSen,
  type Verdict,
} from '../src/analyze/stats.js';

// Seeded PRNG (mulberry32) so every synthetic series is reproducible.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Standard normal deviate (Box-Muller).
function gauss(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const MiB = 1024 * 1024;
// The story's capture loop: a snapshot every 6 h for 3 days, t in hours.
const HOURS = Array.from({ length: 13 }, (_, i) => 6 * i);
const idx = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// Verdicts of `trials` seeded series built by make(rand).
function tally(trials: number, make: (rand: () => number) => { t: number[]; y: number[] }): Record<Verdict, number> {
  const out: Record<Verdict, number> = {
    leak: 0,
    growing: 0,
    plateau: 0,
    stable: 0,
    shrinking: 0,
    'insufficient-data': 0,
  };
  for (let seed = 1; seed <= trials; seed++) {
    const { t, y } = make(mulberry32(seed));
    out[classify(t, y).verdict]++;
  }
  return out;
}

describe('erfc', () => {
  // Reference values: Abramowitz & Stegun table 7.1 / any libm erfc.
  it.each([
    [0, 1],
    [0.1, 0.8875370839817152],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [1.5, 0.033894853524689274],
    [2, 0.004677734981047266],
    [3, 2.209049699858544e-5],
    [4, 1.541725790028002e-8],
    [5, 1.5374597944280351e-12],
    [-1, 1.842700792949715],
  ])('erfc(%d) to 1e-12 relative', (x, want) => {
    expect(Math.abs(erfc(x) - want) / want).toBeLessThan(1e-12);
  });

  it('is continuous where the series hands over to the continued fraction', () => {
    const below = erfc(2 - 1e-12);
    const above = erfc(2);
    expect(Math.abs(below - above) / above).toBeLessThan(1e-10);
  });

  it('gives two-sided normal p-values', () => {
    expect(normalTwoSidedP(1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(normalTwoSidedP(-1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(normalTwoSidedP(1)).toBeCloseTo(0.31731050786291415, 12);
    expect(normalTwoSidedP(3)).toBeCloseTo(0.0026997960632601913, 14);
    expect(normalTwoSidedP(0)).toBe(1);
  });
});

describe('theilSen', () => {
  it('ignores an outlier (hand-computed median of pairwise slopes)', () => {
    // t = 0..4, y = 1,3,5,7 on y = 1 + 2t, then 30 instead of 9.
    // Pairwise slopes:
    //   (0,1) 2  (0,2) 4/2=2  (0,3) 6/3=2  (0,4) 29/4=7.25
    //   (1,2) 2  (1,3) 4/2=2  (1,4) 27/3=9
    //   (2,3) 2  (2,4) 25/2=12.5
    //   (3,4) 23
    // sorted: 2 2 2 2 2 2 7.25 9 12.5 23 -> median of 10 = (2+2)/2 = 2
    // y - 2t = 1,1,1,1,22 -> intercept median 1.
    // (Least squares would say slope 62/10 = 6.2.)
    expect(theilSen([0, 1, 2, 3, 4], [1, 3, 5, 7, 30])).toEqual({ slope: 2, intercept: 1 });
  });

  it('averages the two middle slopes when the count is even', () => {
    // t = 0,1,2,4  y = 0,1,4,3
    // slopes: (0,1) 1, (0,2) 4/2=2, (0,3) 3/4=0.75, (1,2) 3, (1,3) 2/3, (2,3) -1/2
    // sorted: -0.5, 0.667, 0.75, 1, 2, 3 -> median (0.75+1)/2 = 0.875
    // y - 0.875t = 0, 0.125, 2.25, -0.5 -> sorted -0.5, 0, 0.125, 2.25 -> 0.0625
    const fit = theilSen([0, 1, 2, 4], [0, 1, 4, 3]);
    expect(fit.slope).toBeCloseTo(0.875, 14);
    expect(fit.intercept).toBeCloseTo(0.0625, 14);
  });

  it('skips pairs with equal t and is NaN without two distinct t', () => {
    // t = 0,0,1 y = 0,2,1: pairs (0,2) slope 1, (1,2) slope -1 -> 0;
    // intercept median(0,2,1) = 1.
    expect(theilSen([0, 0, 1], [0, 2, 1])).toEqual({ slope: 0, intercept: 1 });
    const none = theilSen([5, 5], [1, 2]);
    expect(none.slope).toBeNaN();
    expect(none.intercept).toBeNaN();
  });

  it('works on typed arrays and rejects mismatched lengths', () => {
    expect(theilSen(new Float64Array([0, 1, 2]), new Float64Array([3, 5, 7]))).toEqual({ slope: 2, intercept: 3 });
    expect(() => theilSen([0, 1], [1])).toThrow(RangeError);
  });
});

describe('mannKendall', () => {
  it('S and tie-corrected Var(S) for 1,2,2,3,3,3 (hand-computed)', () => {
    // S = sum over i<j of sign(y_j - y_i):
    //   i=0 (1): vs 2,2,3,3,3        -> +5
    //   i=1 (2): vs 2 (tie), 3,3,3   -> +3
    //   i=2 (2): vs 3,3,3            -> +3
    //   i=3..5 (3s): only ties       ->  0      S = 11
    // n(n-1)(2n+5) = 6*5*17 = 510
    // tie groups: two 2s: 2*1*9 = 18; three 3s: 3*2*11 = 66
    // Var(S) = (510 - 18 - 66)/18 = 426/18 = 23.666...
    // z = (11-1)/sqrt(23.667) = 2.05557; p = 2(1 - Phi(2.05557)) = 0.039824
    // tau-b: n0 = 15, tied pairs n1 = 1 + 3 = 4 -> 11/sqrt(15*11) = 0.856349
    const mk = mannKendall([1, 2, 2, 3, 3, 3]);
    expect(mk.s).toBe(11);
    expect(mk.varS).toBeCloseTo(426 / 18, 12);
    expect(mk.z).toBeCloseTo(2.055566129482595, 10);
    expect(mk.p).toBeCloseTo(0.039824355364810736, 9);
    expect(mk.tau).toBeCloseTo(0.8563488385776753, 12);
  });

  it('is antisymmetric: a decreasing series negates S, z and tau', () => {
    const mk = mannKendall([3, 3, 3, 2, 2, 1]);
    expect(mk.s).toBe(-11);
    expect(mk.z).toBeCloseTo(-2.055566129482595, 10);
    expect(mk.tau).toBeCloseTo(-0.8563488385776753, 12);
  });

  it('all ties: Var(S) = 0, p = 1', () => {
    // one group of 5: 5*4*15 = 300 = n(n-1)(2n+5) -> Var = 0
    expect(mannKendall([7, 7, 7, 7, 7])).toEqual({ s: 0, varS: 0, z: 0, p: 1, tau: 0 });
  });

  it('goroutine-like integer steps 10,10,11,11,12,12,13,13 (hand-computed)', () => {
    // 28 pairs, 4 tied (within each pair of equal values), the other 24
    // increase: S = 24.
    // Var = (8*7*21 - 4 * 2*1*9)/18 = (1176 - 72)/18 = 1104/18 = 61.333
    // z = 23/sqrt(61.333) = 2.93684, p = 0.0033158
    // tau-b = 24/sqrt(28*(28-4)) = 0.925820
    const mk = mannKendall([10, 10, 11, 11, 12, 12, 13, 13]);
    expect(mk.s).toBe(24);
    expect(mk.varS).toBeCloseTo(1104 / 18, 12);
    expect(mk.p).toBeCloseTo(0.003315804401574488, 9);
    expect(mk.tau).toBeCloseTo(0.9258200997725514, 12);
  });

  it('cannot reach p < 0.05 below n = 5 (the claim in the docs)', () => {
    // Best case is strictly increasing, S = n(n-1)/2, no ties:
    //   n=3: S=3,  Var = 3*2*11/18 = 3.667,  z = 2/1.915 = 1.044, p = 0.2963
    //   n=4: S=6,  Var = 4*3*13/18 = 8.667,  z = 5/2.944 = 1.698, p = 0.0894
    //   n=5: S=10, Var = 5*4*15/18 = 16.667, z = 9/4.082 = 2.205, p = 0.0275
    expect(mannKendall([1, 2, 3]).p).toBeCloseTo(0.2962698714842864, 9);
    expect(mannKendall([1, 2, 3, 4]).p).toBeCloseTo(0.08942935902899359, 9);
    expect(mannKendall([1, 2, 3, 4, 5]).p).toBeCloseTo(0.027486336111510353, 9);
    expect(minSignificantN(0.05)).toBe(5);
    expect(minSignificantN(0.1)).toBe(4);
    expect(minSignificantN(0.01)).toBe(6);

    // Ties cannot help either: every series of length 4 over 4 levels
    // (4^4 = 256, all weak orderings included) stays at p >= 0.0894.
    let best = 1;
    for (let code = 0; code < 256; code++) {
      const y = [code & 3, (code >> 2) & 3, (code >> 4) & 3, (code >> 6) & 3];
      best = Math.min(best, mannKendall(y).p);
    }
    expect(best).toBeCloseTo(0.08942935902899359, 9);
  });
});

describe('classify', () => {
  it('linear leak with noisy heap estimates: leak, slope near the truth', () => {
    // The story's leaking stack: +15 MiB/day = 0.625 MiB/h from 2 MiB, heap
    // estimate noise 5% of the value, a snapshot every 6 h for 72 h.
    const rand = mulberry32(42);
    const y = HOURS.map((h) => (2 * MiB + 0.625 * MiB * h) * (1 + 0.05 * gauss(rand)));
    const c = classify(HOURS, y);
    expect(c.verdict).toBe('leak');
    expect(c.reason).toBe('sustained');
    expect(c.p).toBeLessThan(0.001);
    expect(Math.abs(c.slope / MiB - 0.625) / 0.625).toBeLessThan(0.1);
  });

  it('linear leak, 200 seeds with noise 5% of the rise: >= 98% leak, never plateau', () => {
    const v = tally(200, (rand) => ({ t: HOURS, y: HOURS.map((h) => 100 + h + 0.05 * 72 * gauss(rand)) }));
    expect(v.leak).toBeGreaterThanOrEqual(196);
    expect(v.plateau).toBe(0);
  });

  it('short linear leak: 5 points already suffice', () => {
    expect(classify(idx(5), [100, 110, 121, 130, 141]).verdict).toBe('leak');
    expect(classify([0, 6, 12, 18, 24, 30], [5, 9, 12, 17, 20, 25]).verdict).toBe('leak');
  });

  it('goroutine counts with many ties (10,10,11,11,...,13,13): leak at 0.5/snapshot', () => {
    // Slopes of the 28 pairs: pairs an even distance 2k apart differ by k:
    // 12 slopes of exactly 1/2. Odd distances d give (d-1)/(2d) < 1/2 from an
    // even start (4+3+2+1 = 10 pairs) and (d+1)/(2d) > 1/2 from an odd start
    // (3+2+1 = 6 pairs). Sorted: 10 below, 12 at 1/2, 6 above: the 14th and
    // 15th are both 1/2.
    const c = classify(idx(8), [10, 10, 11, 11, 12, 12, 13, 13]);
    expect(c.slope).toBe(0.5);
    expect(c.verdict).toBe('leak');
  });

  it('cache warming up (saturating): plateau, never leak', () => {
    // 300 MiB cache, time constant 8 h: 99.9% full by 54 h.
    const rand = mulberry32(7);
    const y = HOURS.map((h) => 300 * MiB * (1 - Math.exp(-h / 8)) * (1 + 0.02 * gauss(rand)));
    const c = classify(HOURS, y);
    expect(c.verdict).toBe('plateau');
    expect(c.reason).toBe('flattened');
    expect(c.secondHalfSlopeUpper).toBeLessThan(c.firstHalfSlope / 2);
  });

  it('saturating and log-like curves, 200 seeds each with noise 5% of the rise: no leak', () => {
    const sat = tally(200, (rand) => ({
      t: HOURS,
      y: HOURS.map((h) => 100 * (1 - Math.exp(-h / 12)) + 5 * gauss(rand)),
    }));
    const log = tally(200, (rand) => ({
      t: HOURS,
      y: HOURS.map((h) => (100 * Math.log1p(h)) / Math.log1p(72) + 5 * gauss(rand)),
    }));
    expect(sat.leak).toBe(0);
    expect(sat.plateau).toBeGreaterThanOrEqual(150);
    expect(log.leak).toBeLessThanOrEqual(10);
  });

  it('noiseless log curve: its later half is too slow for a leak', () => {
    const c = classify(HOURS, HOURS.map((h) => Math.log1p(h)));
    expect(c.verdict).not.toBe('leak');
    expect(c.verdict).not.toBe('stable');
  });

  it('one-off step (flat, jump, flat) is plateau, wherever the jump is', () => {
    // Decision: a step added once; a leak keeps adding. So `plateau`.
    const mid = [10, 10, 10, 10, 10, 10, 20, 20, 20, 20, 20, 20];
    const early = [10, 10, 10, 20, 20, 20, 20, 20, 20, 20, 20, 20];
    const late = [10, 10, 10, 10, 10, 10, 10, 10, 20, 20, 20, 20];
    for (const y of [mid, early, late]) {
      const c = classify(idx(12), y);
      expect(c.p).toBeLessThan(0.05); // the rise itself is significant
      expect(c.verdict).toBe('plateau');
    }
    expect(classify(idx(12), late).reason).toBe('step');
  });

  it('noisy step at two thirds, 200 seeds with noise 5% of the jump: never leak', () => {
    const v = tally(200, (rand) => ({
      t: idx(12),
      y: idx(12).map((i) => (i >= 8 ? 20 : 10) + 0.5 * gauss(rand)),
    }));
    expect(v.leak).toBe(0);
    expect(v.plateau).toBeGreaterThanOrEqual(100);
  });

  it('a leak that starts mid-series is still a leak', () => {
    const y = idx(12).map((i) => 50 + Math.max(0, i - 5) * 4);
    expect(classify(idx(12), y).verdict).toBe('leak');
  });

  it('noise around a constant: stable, rarely anything else', () => {
    const rand = mulberry32(3);
    const one = classify(HOURS, HOURS.map(() => 500 + 20 * gauss(rand)));
    expect(one.verdict).toBe('stable'); // one noisy series (seed 3)
    expect(one.p).toBeGreaterThan(0.05);
    const v = tally(400, (rand) => ({ t: HOURS, y: HOURS.map(() => 500 + 20 * gauss(rand)) }));
    // Two-sided alpha = 0.05: ~2.5% of noise series rise "significantly".
    expect(v.leak).toBeLessThanOrEqual(16);
    expect(v.stable).toBeGreaterThanOrEqual(340);
  });

  it('linear decrease: shrinking', () => {
    const rand = mulberry32(11);
    const c = classify(HOURS, HOURS.map((h) => 1000 - 5 * h + 10 * gauss(rand)));
    expect(c.verdict).toBe('shrinking');
    expect(c.slope).toBeLessThan(0);
  });

  it('fewer points than Mann-Kendall needs: insufficient-data', () => {
    expect(classify([0, 1, 2], [1, 2, 3]).verdict).toBe('insufficient-data');
    // n = 4 cannot reach p < 0.05 (best 0.0894), so the default refuses it too
    expect(classify([0, 1, 2, 3], [1, 2, 3, 4]).verdict).toBe('insufficient-data');
    // ...unless asked; then the best it can be is `growing` (p < 2*alpha).
    const four = classify([0, 1, 2, 3], [1, 2, 3, 4], { minPoints: 4 });
    expect(four.verdict).toBe('growing');
    expect(four.reason).toBe('weak-rise');
  });

  it('minRate turns a slow significant rise into growing', () => {
    const y = [100, 101, 102, 103, 104, 105, 106, 107];
    expect(classify(idx(8), y).verdict).toBe('leak');
    const slow = classify(idx(8), y, { minRate: 2 });
    expect(slow.verdict).toBe('growing');
    expect(slow.reason).toBe('below-min-rate');
  });

  it('rising but not significant: growing', () => {
    // S: 1 < 4 others (+4), 2 < three 3s (+3), the 3s tie: S = 7.
    // Var = (5*4*15 - 3*2*11)/18 = (300 - 66)/18 = 13; z = 6/sqrt(13) = 1.664,
    // p = 0.0961: not < alpha = 0.05, but < growingAlpha = 0.1.
    const c = classify(idx(5), [1, 2, 3, 3, 3]);
    expect(c.s).toBe(7);
    expect(c.varS).toBeCloseTo(13, 12);
    expect(c.p).toBeCloseTo(0.0961, 4);
    expect(c.verdict).toBe('growing');
  });

  it('rejects unordered t and a bad alpha', () => {
    expect(() => classify([0, 2, 1, 3, 4], [1, 2, 3, 4, 5])).toThrow(RangeError);
    expect(() => classify(idx(5), idx(5), { alpha: 0 })).toThrow(RangeError);
  });
});

describe('sparkline', () => {
  it('maps min..max onto the eight bars', () => {
    // bar = floor((x - 1)/7 * 8), capped at 7: 0,1,2,3,4,5,6,7
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([8, 1])).toBe('█▁');
    // eight equal-width bins: 10% of the range is still in the lowest one
    // (floor(0.1*8) = 0), 90% is in the top one (floor(0.9*8) = 7)
    expect(sparkline([0, 1, 9, 10])).toBe('▁▁██');
  });

  it('a flat series is all middle bars', () => {
    expect(sparkline([5, 5, 5])).toBe('▄▄▄');
  });

  it('resamples to width by bucket means', () => {
    // 16 values into 4 buckets of 4: means 1.5, 5.5, 9.5, 13.5 -> 0, 2, 5, 7
    expect(sparkline(idx(16), 4)).toBe('▁▃▆█');
    expect([...sparkline(idx(100), 10)]).toHaveLength(10);
    expect(sparkline([], 10)).toBe('');
    expect(sparkline([1, NaN, 3])).toBe('▁ █');
  });
});

describe('detectRestarts / splitAt', () => {
  it('a cumulative total that falls is a restart', () => {
    // alloc_space: 100, 200, 300, then a new process at 50
    const t = idx(6);
    const cuts = detectRestarts(t, [100, 200, 300, 50, 150, 250], { kind: 'cumulative' });
    expect(cuts).toEqual([3]);
    expect(splitAt(cuts, 6)).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
    ]);
  });

  it('a goroutine total that collapses below half is a restart; a dip is not', () => {
    const t = idx(6);
    expect(detectRestarts(t, [100, 120, 140, 30, 40, 50], { kind: 'goroutine' })).toEqual([3]);
    expect(detectRestarts(t, [100, 120, 140, 90, 140, 150], { kind: 'goroutine' })).toEqual([]);
  });

  it('a gauge splits only at a long gap where it falls', () => {
    // intervals 1,1,1,7,1: median 1, gap 7 > 3
    const t = [0, 1, 2, 3, 10, 11];
    expect(detectRestarts(t, [10, 11, 12, 13, 5, 6], { kind: 'gauge' })).toEqual([4]);
    expect(detectRestarts(t, [10, 11, 12, 13, 14, 15], { kind: 'gauge' })).toEqual([]); // gap, no fall
    expect(detectRestarts(idx(6), [10, 11, 12, 13, 5, 6], { kind: 'gauge' })).toEqual([]); // fall, no gap: a GC
  });

  it('splitAt ignores out-of-range and duplicate cuts', () => {
    expect(splitAt([4, 0, 2, 2, 9], 6)).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
      { start: 4, end: 6 },
    ]);
    expect(splitAt([], 3)).toEqual([{ start: 0, end: 3 }]);
    expect(splitAt([], 0)).toEqual([]);
  });
});
