// Preloaded with `node --import` when /usr/bin/time is missing: at exit,
// writes this process's peak RSS (KiB) to the file named by
// PPROF_DIFF_BENCH_MAXRSS.
import { writeFileSync } from 'node:fs';

const file = process.env.PPROF_DIFF_BENCH_MAXRSS;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, `maxrss_kib=${process.resourceUsage().maxRSS}\n`);
  });
}
