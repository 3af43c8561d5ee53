import { readExtract, parseExtractMap } from './dist/modules/identity-matching/extracts/index.js';
import { readFileSync } from 'node:fs';
const map = parseExtractMap(readFileSync('bench/identity/sandbox-map.json','utf8'), 'm');
const t = performance.now();
const r = await readExtract('/tmp/lk/bulk-records.csv', map, { truthColumn: 'person_id' });
console.log(r.records.length, ((performance.now()-t)/1000).toFixed(1), 's', process.memoryUsage().heapUsed/1e9, 'GB');
