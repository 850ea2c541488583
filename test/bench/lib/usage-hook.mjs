// Loaded with `node --import` into a measured process: at exit, writes its resource usage
// (CPU user/system microseconds, peak RSS in KB) as JSON to $ODOOPS_BENCH_USAGE.
import { writeFileSync } from 'node:fs';

const file = process.env.ODOOPS_BENCH_USAGE;
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
