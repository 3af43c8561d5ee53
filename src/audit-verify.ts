import 'reflect-metadata';
import { DataSource } from 'typeorm';

import { AuditVerifier, type AuditVerification } from './modules/governance/index.js';
import { AppConfig, redactUrl } from './platform/config/index.js';
import { buildDataSourceOptions } from './platform/database/index.js';
import { failureLines } from './preflight.js';

// `npm run audit:verify`: walks the audit trail's hash chain and says, in one line on stdout,
// whether it is intact or where it first breaks. Progress goes to stderr. Exit 0 intact,
// 1 broken (the line names the position), 2 the command could not check (usage, database).

const USAGE = `usage: npm run audit:verify [-- --page-size N]
  Recomputes every audit_event hash in chain order (DATABASE_URL names the database).
  Exit 0 intact, 1 broken (prints the first broken position), 2 could not check.`;

class UsageError extends Error {}

function pageSizeFrom(args: string[]): number {
  if (args.length === 0) return 2_000;
  if (args.length === 2 && args[0] === '--page-size' && /^\d+$/.test(args[1]!) && Number(args[1]) >= 1) return Number(args[1]);
  throw new UsageError(args.includes('--help') ? '' : `unexpected arguments: ${args.join(' ')}`);
}

function describe(result: AuditVerification): string {
  if (result.ok) return `audit trail intact: ${result.checked} events checked, head ${result.head.id} ${result.head.hash}`;
  const broken = result.firstBroken!;
  const why = {
    'hash-mismatch': 'the row no longer matches its hash (changed)',
    'previous-hash-mismatch':
      'the row does not follow the hash before it (the row before was changed and re-hashed, or rows were renumbered)',
    gap: 'the position is missing (deleted)',
  }[broken.reason];
  return `audit trail BROKEN at position ${broken.id} (${broken.reason}): ${why}; ${result.checked} events before it verified`;
}

async function run(args: string[]): Promise<number> {
  const pageSize = pageSizeFrom(args);
  const config = AppConfig.fromEnvironment(process.env, { TESSERA_ROLE: 'api', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const dataSource = new DataSource({ ...buildDataSourceOptions({ ...config.database, poolSize: 1 }), migrations: [] });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${redactUrl(config.database.url)}: ${(error as Error).message}`, { cause: error });
  }
  try {
    let lastReport = 0;
    const result = await new AuditVerifier(dataSource).verify({
      pageSize,
      onProgress: ({ checked, total }) => {
        // Only for tables that take more than one page; at most once a second.
        const now = performance.now();
        if (total <= pageSize || (now - lastReport < 1_000 && checked < total)) return;
        lastReport = now;
        process.stderr.write(`audit:verify: ${checked}/${total}\n`);
      },
    });
    process.stdout.write(`${describe(result)}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01')
      throw new Error('the audit_event table is missing: run npm run migrate', { cause: error });
    throw error;
  } finally {
    await dataSource.destroy();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message ? `audit:verify: ${error.message}\n` : ''}${USAGE}\n`);
    } else {
      for (const line of failureLines(error)) process.stderr.write(`audit:verify: ${line}\n`);
    }
    process.exit(2);
  },
);
