import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
async function run(name, opts) {
  const t = performance.now();
  let n = 0;
  const p = createReadStream('/tmp/lk/bulk-records.csv').pipe(parse(opts));
  for await (const r of p) n++;
  console.log(name, n, ((performance.now()-t)/1000).toFixed(1));
}
await run('plain', {});
await run('trim', { trim: true });
await run('info', { info: true });
await run('all', { bom: true, trim: true, skip_empty_lines: true, relax_quotes: true, info: true });
