import { parseArgs } from 'node:util';
import { resolve } from 'node:path';

import { generatePopulation } from './population/generate-population.js';
import { EXTRACT_SYSTEMS, RECORDS_COLUMNS, writeRecordsCsv } from './records/records-extract.js';
import { buildSystemDirectories } from './records/system-records.js';
import { writeTruthCsv } from './records/truth.js';
import { sandboxConfigFromEnvironment, SandboxConfigError } from './sandbox-config.js';

// `npm run sandbox:truth -- --out FILE`: which records, in which systems, are the same person;
// `--records FILE`: the care record systems' demographics as one extract for `npm run link`.
// Same settings as the sandbox (DEMO_POPULATION, SANDBOX_SEED, SANDBOX_REFERENCE_DATE), so
// the file describes the sandbox that runs with them; flags override the environment.

const USAGE = `usage: npm run sandbox:truth -- [--out FILE] [--records FILE] [--size N] [--seed N] [--reference-date YYYY-MM-DD]

--out FILE      the truth: one CSV row per record in each simulated system
                (system,local_id,person_id,duplicate_of,nhs_number,errors)
--records FILE  the records: one CSV row per record in each care record system
                (${EXTRACT_SYSTEMS.join(', ')}; not pds, the national spine)
                with its demographics as the system holds them
                (${RECORDS_COLUMNS.join(',')})
At least one of --out and --records is required.
Defaults come from DEMO_POPULATION, SANDBOX_SEED and SANDBOX_REFERENCE_DATE, as for the sandbox.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        records: { type: 'string' },
        size: { type: 'string' },
        seed: { type: 'string' },
        'reference-date': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`sandbox:truth: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.out && !values.records) {
    process.stderr.write(`sandbox:truth: --out FILE is required (or --records FILE for the records alone)\n${USAGE}\n`);
    return 2;
  }
  const environment = { ...process.env };
  if (values.size !== undefined) environment.DEMO_POPULATION = values.size;
  if (values.seed !== undefined) environment.SANDBOX_SEED = values.seed;
  if (values['reference-date'] !== undefined) environment.SANDBOX_REFERENCE_DATE = values['reference-date'];
  const config = sandboxConfigFromEnvironment(environment);

  const population = generatePopulation({ seed: config.seed, size: config.population, referenceDate: config.referenceDate });
  const directories = buildSystemDirectories(population);
  const described = (bySystem: object) =>
    Object.entries(bySystem)
      .map(([system, count]) => `${system} ${count}`)
      .join(', ');
  if (values.out) {
    const out = resolve(values.out);
    const summary = await writeTruthCsv(out, directories);
    process.stdout.write(
      `sandbox:truth: wrote ${summary.records} records of ${summary.people} people (${described(summary.bySystem)}) to ${out}\n`,
    );
  }
  if (values.records) {
    const out = resolve(values.records);
    const summary = await writeRecordsCsv(out, directories);
    process.stdout.write(
      `sandbox:truth: wrote the demographics of ${summary.records} records (${described(summary.bySystem)}) to ${out}\n`,
    );
  }
  process.stdout.write(`sandbox:truth: seed ${config.seed}, population ${config.population}, reference date ${config.referenceDate}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof SandboxConfigError) {
      for (const problem of error.problems) process.stderr.write(`sandbox:truth: ${problem}\n`);
      process.exit(2);
    }
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'the folder does not exist' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    process.stderr.write(`sandbox:truth: could not write the file: ${reason}\n`);
    process.exit(1);
  },
);
