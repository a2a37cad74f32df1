// Statistics core of `pprof-diff trend`: plain numbers in, plain numbers out.
// No I/O and no dependencies, so every rule here can be unit-tested against
// hand-computed values (test/stats.test.ts).
//
// Conventions for every function taking (t, y):
// - t and y have the same length and y[i] was observed at t[i];
// - t is non-decreasing (the caller orders snapshots by time_nanos). The
//   Mann-Kendall test only uses the order of y, so an unsorted t would make
//   the slope and the test disagree; classify() therefore rejects it;
// - values are finite. A stack absent from a snapshot is 0 there, never NaN.

// ---------------------------------------------------------------------------
// Normal distribution

const INV_SQRT_PI = 0.5641895835477563; // 1/sqrt(pi)

/**
 * Complementary error function, relative error ~1e-14 over the real line.
 *
 * |x| < 2: Maclaurin series of erf (terms peak near 11 at x = 2, so the
 * cancellation costs ~1e-15 absolute, i.e. <1e-12 relative on erfc(2) = 4.7e-3).
 * x >= 2: Laplace's continued fraction, evaluated with modified Lentz; it
 * keeps full relative precision in the tail where 1 - erf(x) would be 0.
 * The common 10-coefficient Chebyshev fit (Numerical Recipes erfcc) is only
 * good to 1.2e-7 relative; p-values are compared to alpha exactly, so we pay
 * a few more lines for a margin of seven digits.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/sqrt(pi) * sum_k (-1)^k x^(2k+1) / (k! (2k+1))
    const x2 = x * x;
    let term = x; // (-1)^k x^(2k+1) / k!
    let sum = x;
    for (let k = 1; k < 100; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - 2 * INV_SQRT_PI * sum;
  }
  if (x > 27) return 0; // exp(-729) underflows to 0 anyway
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    d = 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (Math.exp(-x * x) * INV_SQRT_PI) / f;
}

/** Two-sided p-value of a standard normal statistic: P(|Z| >= |z|). */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

// ---------------------------------------------------------------------------
// Selection and medians

// Hoare quickselect with median-of-three pivot: after the call a[k] holds the
// k-th smallest of a[lo, hi) and everything right of k is >= a[k]. Sorting
// would be O(m log m) on n(n-1)/2 slopes; this is O(m) on average.
function select(a: Float64Array, lo: number, hi: number, k: number): number {
  let left = lo;
  let right = hi - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    let x = a[left]!;
    let y = a[mid]!;
    let z = a[right]!;
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i] = a[j]!;
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break; // j < k < i: a[k] equals the pivot and is in place
  }
  return a[k]!;
}

// Median of a[0, m); reorders a. NaN when m is 0.
/** The median of some numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(values), values.length);
}

function medianInPlace(a: Float64Array, m: number): number {
  if (m === 0) return NaN;
  const k = m >>> 1;
  const upper = select(a, 0, m, k);
  if (m % 2 === 1) return upper;
  // After select, a[0, k) holds the k smallest: the lower middle is their max.
  let lower = a[0]!;
  for (let i = 1; i < k; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

// Writes the slopes of all pairs i < j in [start, end) with distinct t into
// buf and returns how many there are. Pairs with equal t carry no slope.
function pairwiseSlopes(
  t: ArrayLike<number>,
  y: ArrayLike<number>,
  start: number,
  end: number,
  buf: Float64Array,
): number {
  let m = 0;
  for (let i = start; i < end; i++) {
    const ti = t[i]!;
    const yi = y[i]!;
    for (let j = i + 1; j < end; j++) {
      const dt = t[j]! - ti;
      if (dt !== 0) buf[m++] = (y[j]! - yi) / dt;
    }
  }
  return m;
}

// ---------------------------------------------------------------------------
// Theil-Sen

export interface LineFit {
  /** Change of y per unit of t. */
  slope: number;
  /** y at t = 0. */
  intercept: number;
}

/**
 * Theil-Sen line: slope = median of the pairwise slopes (y_j - y_i)/(t_j - t_i)
 * over pairs with t_i != t_j; intercept = median of y_i - slope * t_i.
 *
 * Robust where least squares is not: up to ~29% of the snapshots can be wild
 * (a traffic burst, a GC that had not run) without moving the slope much.
 * O(n^2) time and a single Float64Array; n is a number of snapshots.
 * Without two distinct t values the slope is undefined: both fields are NaN.
 */
export function theilSen(t: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = checkSameLength(t, y);
  const pairs = (n * (n - 1)) / 2;
  const buf = new Float64Array(Math.max(pairs, n));
  const m = pairwiseSlopes(t, y, 0, n, buf);
  if (m === 0) return { slope: NaN, intercept: NaN };
  const slope = medianInPlace(buf, m);
  for (let i = 0; i < n; i++) buf[i] = y[i]! - slope * t[i]!;
  return { slope, intercept: medianInPlace(buf, n) };
}

// ---------------------------------------------------------------------------
// Mann-Kendall

export interface MannKendall {
  /** S = sum over i < j of sign(y_j - y_i). */
  s: number;
  /** Var(S) under H0 with the tie correction. */
  varS: number;
  /** Continuity-corrected normal score. */
  z: number;
  /** Two-sided p-value. */
  p: number;
  /**
   * Kendall's tau-b between y and its time order: S / sqrt(n0 (n0 - n1)),
   * n0 = n(n-1)/2, n1 = sum over tie groups of t(t-1)/2 (time has no ties,
   * so tau-b's second tie term is 0). tau-b rather than tau-a because integer
   * goroutine counts tie a lot and tau-a = S/n0 counts every tied pair
   * against the trend (10,10,11,11,12,12,13,13: tau-a 0.857, tau-b 0.926).
   * 0 when every value is tied.
   */
  tau: number;
}

/**
 * Mann-Kendall trend test over y in time order (t is not needed: only the
 * order matters, which is what makes it robust to irregular capture times
 * and to outliers).
 *
 * Var(S) = [n(n-1)(2n+5) - sum_j t_j(t_j-1)(2t_j+5)] / 18, t_j the size of the
 * j-th group of equal values. Goroutine counts are small integers and repeat
 * a lot; without the correction the variance is overstated and real leaks
 * look insignificant.
 * z = (S-1)/sqrt(Var) for S > 0, (S+1)/sqrt(Var) for S < 0, else 0.
 * Var(S) = 0 (all values equal) gives z = 0 and p = 1.
 *
 * Small n: the best case is a strictly monotone series, S = n(n-1)/2 with
 * no ties. With the continuity correction that gives p = 0.296 for n = 3 and
 * p = 0.0895 for n = 4 (ties only lower |S| further), so p < 0.05 first
 * becomes reachable at n = 5 (p = 0.0275); see minSignificantN().
 */
export function mannKendall(y: ArrayLike<number>): MannKendall {
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const yi = y[i]!;
    for (let j = i + 1; j < n; j++) {
      const d = y[j]! - yi;
      if (d > 0) s++;
      else if (d < 0) s--;
    }
  }
  const { varTerm, tiedPairs } = tieTerms(y, 0, n);
  const varS = (n * (n - 1) * (2 * n + 5) - varTerm) / 18;
  const n0 = (n * (n - 1)) / 2;
  const tau = n0 - tiedPairs > 0 ? s / Math.sqrt(n0 * (n0 - tiedPairs)) : 0;
  if (!(varS > 0)) return { s, varS: Math.max(0, varS), z: 0, p: 1, tau };
  const sd = Math.sqrt(varS);
  const z = s > 0 ? (s - 1) / sd : s < 0 ? (s + 1) / sd : 0;
  return { s, varS, z, p: normalTwoSidedP(z), tau };
}

// sum over tie groups of t(t-1)(2t+5) (for Var(S)) and of t(t-1)/2 (for tau-b)
function tieTerms(
  y: ArrayLike<number>,
  start: number,
  end: number,
): { varTerm: number; tiedPairs: number } {
  const m = end - start;
  if (m < 2) return { varTerm: 0, tiedPairs: 0 };
  const sorted = new Float64Array(m);
  for (let i = 0; i < m; i++) sorted[i] = y[start + i]!;
  sorted.sort();
  let varTerm = 0;
  let tiedPairs = 0;
  let run = 1;
  for (let i = 1; i <= m; i++) {
    if (i < m && sorted[i] === sorted[i - 1]) {
      run++;
      continue;
    }
    if (run > 1) {
      varTerm += run * (run - 1) * (2 * run + 5);
      tiedPairs += (run * (run - 1)) / 2;
    }
    run = 1;
  }
  return { varTerm, tiedPairs };
}

/**
 * Smallest number of points at which Mann-Kendall (two-sided, continuity
 * corrected) can give p < alpha at all: that of a strictly monotone series.
 * 5 for alpha = 0.05 (n = 4 bottoms out at p = 0.0895). Below it no series,
 * however steep, can be called a significant trend.
 */
export function minSignificantN(alpha = 0.05): number {
  checkAlpha(alpha);
  for (let n = 2; ; n++) {
    const s = (n * (n - 1)) / 2;
    const varS = (n * (n - 1) * (2 * n + 5)) / 18;
    if (normalTwoSidedP((s - 1) / Math.sqrt(varS)) < alpha) return n;
  }
}

// ---------------------------------------------------------------------------
// Verdict

export type Verdict =
  | 'leak'
  | 'growing'
  | 'plateau'
  | 'stable'
  | 'shrinking'
  | 'insufficient-data';

/** Which rule decided the verdict (for explanations and tests). */
export type VerdictReason =
  | 'too-few-points' // insufficient-data
  | 'significant-decrease' // shrinking
  | 'flattened' // plateau: the later half stopped rising
  | 'step' // plateau: one jump carries the rise, the rest is flat
  | 'below-min-rate' // growing: significant, but slower than minRate
  | 'not-sustained' // growing: the later half rises at < 1/2 of the rise rate
  | 'sustained' // leak
  | 'weak-rise' // growing: rising, p < growingAlpha but not < alpha
  | 'no-trend'; // stable

export interface ClassifyOptions {
  /** Significance level of the Mann-Kendall test. Default 0.05. */
  alpha?: number;
  /**
   * Slope (per unit of t) below which a significant rise is `growing`, not
   * `leak`. Default 0: any significant, sustained rise is a leak.
   */
  minRate?: number;
  /**
   * Fewer points than this is `insufficient-data`. Default
   * minSignificantN(alpha), 5 for alpha = 0.05: below it Mann-Kendall cannot
   * reach p < alpha, so no leak verdict is possible and a diff of the first
   * and last snapshot says as much. At least 3 (each half needs 2 points).
   */
  minPoints?: number;
  /**
   * A rise with alpha <= p < growingAlpha is `growing` ("watch this").
   * Default 2 * alpha. Pure noise reaches it in ~growingAlpha/2 of series.
   */
  growingAlpha?: number;
}

export interface Classification {
  verdict: Verdict;
  reason: VerdictReason;
  n: number;
  /** Theil-Sen slope over the whole series, per unit of t. */
  slope: number;
  intercept: number;
  /** Mann-Kendall over the whole series. */
  s: number;
  varS: number;
  z: number;
  p: number;
  tau: number;
  /**
   * Theil-Sen slopes of the first and last ceil(n/2) points (they share the
   * middle point when n is odd), with one-sided 95% Sen bounds. NaN when
   * n < 2 or when all t of a half are equal.
   */
  firstHalfSlope: number;
  firstHalfSlopeLower: number;
  firstHalfSlopeUpper: number;
  secondHalfSlope: number;
  secondHalfSlopeLower: number;
  secondHalfSlopeUpper: number;
}

// One-sided 95% normal quantile for Sen's slope bounds. Plateau rules need
// the bound (confidence that the later half is flat), so a noisy leak whose
// later half merely *looks* slower is not called a plateau; it falls into
// `growing` instead, the "not conclusive" bucket.
const SEN_Z = 1.6448536269514722;

// Plateau: the later half's upper bound is below half of the rise rate.
// Step: with the jump taken out, the rest rises at under half that rate.
const FLATTENED_FRACTION = 1 / 2;

// Leak: the later half's slope (point estimate) is at least half the rise
// rate. A straight line gives ~1; a saturating or log-like curve gives well
// under 1/2 (log(1+t) over 12 points: 0.37). Tuned by simulation (400 seeded
// series per shape, n = 5..24, Gaussian noise of 5/15/30% of the total rise):
// at 5% noise linear leaks are `leak` in >= 98.5% of series and saturating
// curves in <= 0.3%; at 15% noise (n >= 8), 78-88% and <= 12%. Log-like
// curves are the hard case: 1-7% `leak` at 5% noise for n >= 8.
const SUSTAINED_FRACTION = 1 / 2;

// Step detection: the largest single increment must stand out from the
// others by more than 3 robust standard deviations (MAD x 1.4826), so the
// noise-inflated largest increment of a noisy straight line is not taken for
// a jump (the max of ~20 normal increments sits near 2 sd).
const MAD_TO_SD = 1.4826;
const STEP_OUTLIER_SDS = 3;

/**
 * Verdict for one series (one stack, or a total). Rules, in order, with
 * b = whole-series Theil-Sen slope, b1/b2 = slopes of the first/last
 * ceil(n/2) points, hi2 = Sen upper bound of b2, rise = max(b, b1) (in a
 * warm-up curve the first half carries nearly all of the rise, and the
 * whole-series median slope understates it):
 *
 * 1. n < minPoints: `insufficient-data` (no test can be significant).
 * 2. Mann-Kendall p < alpha and S < 0: `shrinking`.
 * 3. p < alpha and S > 0:
 *    a. hi2 < rise/2: the later half is confidently flat next to the rise,
 *       a cache that warmed up: `plateau` ('flattened').
 *    b. The largest single increment is an outlier among increments, and
 *       with it taken out the series' Sen upper bound is below half the rate
 *       between the medians of the two halves: a one-off step (flat, jump, flat: a table loaded, a pool resized), `plateau`
 *       ('step'). A leak keeps adding; a step added once. A step close to
 *       the end is hard to tell from a leak that just started; when the jump
 *       does not stand out from the noise, it ends up `growing` or `leak`.
 *    c. b <= 0 or b < minRate: `growing` ('below-min-rate').
 *    d. b2 < rise/2: the later half is slower than the rise (a curve that
 *       bends over, or too noisy to tell): `growing` ('not-sustained'). A leak
 *       at a constant error rate is a straight line.
 *    e. otherwise `leak` ('sustained').
 *    Plateaus are only named after a significant rise: on an insignificant
 *    series "it rose, then stopped" is indistinguishable from noise.
 * 4. S > 0, b > 0, last > first and p < growingAlpha: `growing` ('weak-rise').
 * 5. Otherwise `stable`.
 *
 * A leak that starts mid-series (flat, then linear) stays a leak: its later
 * half is steeper than the rise so far, which no rule penalises.
 */
export function classify(
  t: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: ClassifyOptions = {},
): Classification {
  const n = checkSameLength(t, y);
  for (let i = 1; i < n; i++) {
    if (!(t[i]! >= t[i - 1]!)) throw new RangeError(`t must be non-decreasing (t[${i}] < t[${i - 1}])`);
  }
  const alpha = opts.alpha ?? 0.05;
  checkAlpha(alpha);
  const minRate = opts.minRate ?? 0;
  const minPoints = Math.max(3, opts.minPoints ?? minSignificantN(alpha));
  const growingAlpha = opts.growingAlpha ?? Math.min(1, 2 * alpha);

  const { slope, intercept } = theilSen(t, y);
  const mk = mannKendall(y);
  const h = Math.ceil(n / 2);
  const buf = new Float64Array((h * (h - 1)) / 2);
  const first = senBounds(t, y, 0, h, buf);
  const second = senBounds(t, y, n - h, n, buf);

  const result = (verdict: Verdict, reason: VerdictReason): Classification => ({
    verdict,
    reason,
    n,
    slope,
    intercept,
    s: mk.s,
    varS: mk.varS,
    z: mk.z,
    p: mk.p,
    tau: mk.tau,
    firstHalfSlope: first.slope,
    firstHalfSlopeLower: first.lower,
    firstHalfSlopeUpper: first.upper,
    secondHalfSlope: second.slope,
    secondHalfSlopeLower: second.lower,
    secondHalfSlopeUpper: second.upper,
  });

  if (n < minPoints) return result('insufficient-data', 'too-few-points');
  const significant = mk.p < alpha;
  if (significant && mk.s < 0) return result('shrinking', 'significant-decrease');
  if (significant && mk.s > 0) {
    const rise = Math.max(slope, first.slope);
    if (rise > 0 && second.upper < rise * FLATTENED_FRACTION) return result('plateau', 'flattened');
    if (isStep(t, y)) return result('plateau', 'step');
    if (!(slope > 0) || slope < minRate) return result('growing', 'below-min-rate');
    if (!(second.slope >= rise * SUSTAINED_FRACTION)) return result('growing', 'not-sustained');
    return result('leak', 'sustained');
  }
  if (mk.s > 0 && slope > 0 && y[n - 1]! > y[0]! && mk.p < growingAlpha) {
    return result('growing', 'weak-rise');
  }
  return result('stable', 'no-trend');
}

// Rule 3b of classify().
function isStep(t: ArrayLike<number>, y: ArrayLike<number>): boolean {
  const n = y.length;
  const h = Math.ceil(n / 2);
  const scratch = new Float64Array(Math.max(n, (n * (n - 1)) / 2));
  // Rate between the halves' medians: unlike the Theil-Sen slope it sees a
  // jump near either end (most pairs of a late step lie within one flat run,
  // so its median pairwise slope is 0).
  const halfMedian = (v: ArrayLike<number>, start: number): number => {
    for (let i = 0; i < h; i++) scratch[i] = v[start + i]!;
    return medianInPlace(scratch, h);
  };
  const rate = (halfMedian(y, n - h) - halfMedian(y, 0)) / (halfMedian(t, n - h) - halfMedian(t, 0));
  if (!(rate > 0)) return false;

  let k = 1;
  for (let i = 1; i < n; i++) {
    scratch[i - 1] = y[i]! - y[i - 1]!;
    if (scratch[i - 1]! > scratch[k - 1]!) k = i;
  }
  const jump = scratch[k - 1]!;
  const med = medianInPlace(scratch, n - 1);
  for (let i = 0; i < n - 1; i++) scratch[i] = Math.abs(scratch[i]! - med);
  const spread = MAD_TO_SD * medianInPlace(scratch, n - 1);
  if (!(jump > med + STEP_OUTLIER_SDS * spread)) return false;

  const adjusted = new Float64Array(n);
  for (let i = 0; i < n; i++) adjusted[i] = i >= k ? y[i]! - jump : y[i]!;
  return senBounds(t, adjusted, 0, n, scratch).upper < rate * FLATTENED_FRACTION;
}

// Theil-Sen slope of [start, end) with Sen's (1968) nonparametric bounds:
// with N pairwise slopes sorted and C = z*sqrt(Var(S)), the bounds are the
// M1-th and (M2+1)-th smallest, M1 = (N - C)/2, M2 = (N + C)/2 (1-based).
// Ranks are rounded outwards and clamped, so with 3 points the bounds are
// simply the smallest and largest slope.
function senBounds(
  t: ArrayLike<number>,
  y: ArrayLike<number>,
  start: number,
  end: number,
  buf: Float64Array,
): { slope: number; lower: number; upper: number } {
  const m = pairwiseSlopes(t, y, start, end, buf);
  if (m === 0) return { slope: NaN, lower: NaN, upper: NaN };
  const sorted = buf.subarray(0, m).sort();
  const mid = m >>> 1;
  const slope = m % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const k = end - start;
  const varS = (k * (k - 1) * (2 * k + 5) - tieTerms(y, start, end).varTerm) / 18;
  const c = SEN_Z * Math.sqrt(Math.max(0, varS));
  const lowerRank = Math.max(1, Math.floor((m - c) / 2));
  const upperRank = Math.min(m, Math.ceil((m + c) / 2 + 1));
  return { slope, lower: sorted[lowerRank - 1]!, upper: sorted[upperRank - 1]! };
}

// ---------------------------------------------------------------------------
// Sparkline

const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per value, ▁ for the minimum and █ for the maximum. A
 * series longer than width is resampled to width buckets, each the mean of
 * its values (a max would hide a fall, a pick would alias). A flat series is
 * all ▄: it says "no change" without pretending the level is zero. Non-finite
 * values are blanks.
 */
export function sparkline(values: ArrayLike<number>, width = 16): string {
  if (!(Number.isInteger(width) && width >= 1)) throw new RangeError(`width must be a positive integer, got ${width}`);
  const n = values.length;
  const w = Math.min(n, width);
  const v = new Float64Array(w);
  for (let b = 0; b < w; b++) {
    const lo = Math.floor((b * n) / w);
    const hi = Math.floor(((b + 1) * n) / w);
    let sum = 0;
    for (let i = lo; i < hi; i++) sum += values[i]!;
    v[b] = sum / (hi - lo);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  let out = '';
  for (const x of v) {
    if (!Number.isFinite(x)) out += ' ';
    else if (max === min) out += BARS[3];
    else out += BARS[Math.min(7, Math.floor(((x - min) / (max - min)) * 8))];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Restarts

export interface RestartOptions {
  /**
   * What the totals measure:
   * - 'cumulative': alloc_space/alloc_objects, counted since process start,
   *   so they never fall in a live process: any fall is a restart.
   * - 'goroutine': a live count; a restart collapses it to the idle baseline.
   * - 'gauge': inuse_*; it falls at every GC, so only the gap rule applies.
   */
  kind: 'cumulative' | 'goroutine' | 'gauge';
  /** Goroutine total below this fraction of the previous one is a restart. Default 0.5. */
  collapseRatio?: number;
  /** An interval above gapFactor x the median interval, with a fall, is a restart. Default 3. */
  gapFactor?: number;
}

/**
 * Indices i at which a new process starts (the series splits before i),
 * ascending. Rules, any of which marks i:
 * - cumulative: totals[i] < totals[i-1];
 * - goroutine: totals[i] < collapseRatio * totals[i-1]. A leak only ever adds
 *   goroutines and load swings rarely halve them between two snapshots;
 *   smaller dips are left to the trend, which is robust to them;
 * - any kind: t[i] - t[i-1] > gapFactor * median interval and
 *   totals[i] < totals[i-1]. A capture loop that lost its target for a while
 *   and came back to a smaller process most likely saw a restart (an
 *   OOM-kill); a gap alone is just missing data and does not split.
 * A restart within a series is reported, not smoothed over: the trend of
 * two processes glued together is fiction.
 */
export function detectRestarts(
  t: ArrayLike<number>,
  totals: ArrayLike<number>,
  opts: RestartOptions,
): number[] {
  const n = checkSameLength(t, totals);
  const collapseRatio = opts.collapseRatio ?? 0.5;
  const gapFactor = opts.gapFactor ?? 3;
  let medianInterval = NaN;
  if (n >= 3) {
    const gaps = new Float64Array(n - 1);
    for (let i = 1; i < n; i++) gaps[i - 1] = t[i]! - t[i - 1]!;
    medianInterval = medianInPlace(gaps, n - 1);
  }
  const out: number[] = [];
  for (let i = 1; i < n; i++) {
    const prev = totals[i - 1]!;
    const cur = totals[i]!;
    const falls = cur < prev;
    const gap = medianInterval > 0 && t[i]! - t[i - 1]! > gapFactor * medianInterval;
    if (
      (opts.kind === 'cumulative' && falls) ||
      (opts.kind === 'goroutine' && cur < collapseRatio * prev) ||
      (gap && falls)
    ) {
      out.push(i);
    }
  }
  return out;
}

export interface Segment {
  /** First index, inclusive. */
  start: number;
  /** Last index, exclusive. */
  end: number;
}

/**
 * Splits [0, n) before each index: splitAt([3, 7], 10) is [0,3), [3,7),
 * [7,10). Indices outside (0, n) and duplicates are ignored, order does not
 * matter. n = 0 gives no segment.
 */
export function splitAt(indices: readonly number[], n: number): Segment[] {
  const cuts = [...new Set(indices)].filter((i) => Number.isInteger(i) && i > 0 && i < n).sort((a, b) => a - b);
  const out: Segment[] = [];
  let start = 0;
  for (const c of cuts) {
    out.push({ start, end: c });
    start = c;
  }
  if (n > 0) out.push({ start, end: n });
  return out;
}

// ---------------------------------------------------------------------------

function checkSameLength(t: ArrayLike<number>, y: ArrayLike<number>): number {
  if (t.length !== y.length) throw new RangeError(`t and y differ in length (${t.length} vs ${y.length})`);
  return t.length;
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}
