/**
 * Units: humanised formatting for people, exact parsing for options.
 * Byte sizes format in IEC units (KiB = 1024 B), as the Go runtime reports
 * memory; parsing accepts IEC (KiB, MiB, GiB) and SI (KB, MB, GB: powers of
 * 1000) suffixes, case-insensitively for the multiplier letter.
 */

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number, signed = false): string {
  const sign = n < 0 ? '-' : signed && n > 0 ? '+' : '';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${sign}${Math.round(v)} B`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${sign}${v.toFixed(digits)} ${IEC[i]}`;
}

export function formatCount(n: number, signed = false): string {
  const sign = n < 0 ? '-' : signed && n > 0 ? '+' : '';
  const v = Math.abs(n);
  // Normalised or un-sampled values need not be whole.
  const s = Number.isInteger(v) ? v.toLocaleString('en-US') : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
  return sign + s;
}

export function formatNanos(n: number, signed = false): string {
  const sign = n < 0 ? '-' : signed && n > 0 ? '+' : '';
  const v = Math.abs(n);
  if (v >= 1e9) return `${sign}${(v / 1e9).toFixed(2)}s`;
  if (v >= 1e6) return `${sign}${(v / 1e6).toFixed(2)}ms`;
  if (v >= 1e3) return `${sign}${(v / 1e3).toFixed(2)}µs`;
  return `${sign}${v}ns`;
}

/** Formats a value in a profile's unit ("bytes", "count", "nanoseconds", ...). */
export function formatValue(n: number, unit: string, signed = false): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(n, signed);
    case 'nanoseconds':
      return formatNanos(n, signed);
    default:
      return formatCount(n, signed);
  }
}

const SIZE_SUFFIX: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parses "512", "1.5MiB", "512KB", "2GiB"; returns null when malformed. */
export function parseSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(s);
  if (m === null) return null;
  const mult = SIZE_SUFFIX[m[2]!.toLowerCase()];
  if (mult === undefined) return null;
  return Number(m[1]) * mult;
}

/** Parses "30s", "5m", "6h", "1d", "500ms", "1h30m"; returns milliseconds or null. */
export function parseDuration(s: string): number | null {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  const t = s.trim();
  if (t === '') return null;
  let total = 0;
  let last = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * unit[m[2]!]!;
    last = re.lastIndex;
  }
  return last === t.length ? total : null;
}

/** "3h 12m", "2d 4h", "41s": a duration for people. */
export function formatDuration(ms: number): string {
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d > 0 ? [`${d}d`, `${h}h`] : h > 0 ? [`${h}h`, `${m}m`] : m > 0 ? [`${m}m`, `${s}s`] : [`${s}s`];
  return (neg ? '-' : '') + parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ');
}
