import { readFile } from 'node:fs/promises';

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { z } from 'zod';

import type { SourceEndpoint } from '../connectors/source-connector.js';
import { SourceRegistryError } from '../source-connectors.errors.js';
import { SourceEntity } from './source.entity.js';
import { problemsOf, sourceChangeSchema, sourceInputSchema, type SourceInput } from './source-input.js';

/** A registered source as the rest of the hub sees it. */
export type Source = Omit<SourceEntity, never>;

export interface SeedResult {
  added: number;
  updated: number;
  unchanged: number;
}

/**
 * How long another process may serve a source as it was before a change. Every process reads
 * the registry through this cache, so a change made anywhere takes effect everywhere within it,
 * without a restart; the process that made the change sees it at once.
 */
export const REGISTRY_REFRESH_MS = 2_000;

// The sources file: a list of sources, or the sandbox's manifest (`GET /sandbox/sources`), whose
// entries name the organisation as { code, name }.
const manifestEntry = z.looseObject({ organisation: z.object({ code: z.string(), name: z.string() }) }).transform((entry) => {
  const { organisation, ...rest } = entry as { organisation: { code: string; name: string } } & Record<string, unknown>;
  return { organisationCode: organisation.code, name: organisation.name, ...rest };
});
const sourcesFileSchema = z.union([z.array(z.unknown()), z.object({ sources: z.array(z.unknown()) }).loose()]);

@Injectable()
export class SourceRegistry {
  private cache?: { loadedAt: number; sources: Source[] };

  constructor(@InjectRepository(SourceEntity) private readonly rows: Repository<SourceEntity>) {}

  async list(): Promise<Source[]> {
    if (!this.cache || Date.now() - this.cache.loadedAt > REGISTRY_REFRESH_MS) {
      const sources = await this.rows.find({ order: { kind: 'ASC', organisationCode: 'ASC' } });
      this.cache = { loadedAt: Date.now(), sources };
    }
    return this.cache.sources;
  }

  async get(id: string): Promise<Source> {
    const source = z.uuid().safeParse(id).success ? (await this.list()).find((candidate) => candidate.id === id) : undefined;
    if (!source) throw new SourceRegistryError('SOURCE_NOT_FOUND', `no source with id ${JSON.stringify(id.slice(0, 64))}`);
    return source;
  }

  async add(input: unknown): Promise<Source> {
    const parsed = sourceInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(problemsOf(parsed.error));
    return this.saved(() => this.rows.save(this.rows.create(parsed.data)), parsed.data);
  }

  /** Changes some fields; the result must still be a valid source. */
  async update(id: string, change: unknown): Promise<Source> {
    const current = await this.fresh(id);
    const parsedChange = sourceChangeSchema.safeParse(change);
    if (!parsedChange.success) throw invalid(problemsOf(parsedChange.error));
    const merged = sourceInputSchema.safeParse({ ...editable(current), ...parsedChange.data });
    if (!merged.success) throw invalid(problemsOf(merged.error));
    return this.saved(() => this.rows.save({ ...current, ...merged.data }), merged.data);
  }

  async setEnabled(id: string, enabled: boolean): Promise<Source> {
    return this.update(id, { enabled });
  }

  /** What a connector needs to reach an enabled source. */
  async endpoint(id: string): Promise<SourceEndpoint> {
    const source = await this.get(id);
    return {
      id: source.id,
      organisationCode: source.organisationCode,
      kind: source.kind,
      protocol: source.protocol,
      baseUrl: source.baseUrl,
      authentication: source.authentication,
      timeoutMs: source.timeoutMs,
    };
  }

  /**
   * Adds every source in a JSON file that is not registered yet (matched on organisation and
   * kind) and, with `update`, brings registered ones in line with the file. All or nothing: one
   * bad entry and nothing changes, with every problem named by entry and field. At start-up the
   * hub only adds, so a restart never undoes what an operator changed since.
   */
  async seedFromFile(path: string, options: { update: boolean } = { update: false }): Promise<SeedResult> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new SourceRegistryError(
        'INVALID_SOURCES_FILE',
        `cannot read the sources file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SourceRegistryError('INVALID_SOURCES_FILE', `the sources file ${path} is not valid JSON`);
    }
    const file = sourcesFileSchema.safeParse(json);
    if (!file.success)
      throw new SourceRegistryError('INVALID_SOURCES_FILE', `the sources file ${path} must hold a list of sources or { "sources": [...] }`);
    const entries = Array.isArray(file.data) ? file.data : file.data.sources;
    const inputs: SourceInput[] = [];
    const problems: string[] = [];
    entries.forEach((entry, index) => {
      const normalised = manifestEntry.safeParse(entry);
      const parsed = sourceInputSchema.safeParse(normalised.success ? normalised.data : entry);
      if (parsed.success) inputs.push(parsed.data);
      else problems.push(...problemsOf(parsed.error, `sources[${index}].`));
    });
    const keys = inputs.map((input) => `${input.organisationCode}/${input.kind}`);
    keys.forEach((key, index) => {
      if (keys.indexOf(key) !== index) problems.push(`sources[${index}]: a second ${key.split('/')[1]} source for ${key.split('/')[0]}`);
    });
    if (problems.length)
      throw new SourceRegistryError('INVALID_SOURCES_FILE', `the sources file ${path} has ${problems.length} problem(s)`, problems);

    const result: SeedResult = { added: 0, updated: 0, unchanged: 0 };
    await this.rows.manager.transaction(async (manager) => {
      const repository = manager.getRepository(SourceEntity);
      for (const input of inputs) {
        const existing = await repository.findOne({ where: { organisationCode: input.organisationCode, kind: input.kind } });
        if (!existing) {
          await repository.save(repository.create(input));
          result.added += 1;
        } else if (options.update && JSON.stringify(editable(existing)) !== JSON.stringify({ ...editable(existing), ...input })) {
          await repository.save({ ...existing, ...input });
          result.updated += 1;
        } else result.unchanged += 1;
      }
    });
    this.cache = undefined;
    return result;
  }

  private async fresh(id: string): Promise<SourceEntity> {
    const row = z.uuid().safeParse(id).success ? await this.rows.findOne({ where: { id } }) : null;
    if (!row) throw new SourceRegistryError('SOURCE_NOT_FOUND', `no source with id ${JSON.stringify(id.slice(0, 64))}`);
    return row;
  }

  private async saved(write: () => Promise<SourceEntity>, input: SourceInput): Promise<Source> {
    try {
      const row = await write();
      this.cache = undefined;
      return row;
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new SourceRegistryError(
          'DUPLICATE_SOURCE',
          `a ${input.kind} source for organisation ${input.organisationCode} is already registered`,
          [`organisationCode: a ${input.kind} source for ${input.organisationCode} exists`],
        );
      }
      throw error;
    }
  }
}

function invalid(problems: string[]): SourceRegistryError {
  return new SourceRegistryError('INVALID_SOURCE', `the source is not valid: ${problems.join('; ')}`, problems);
}

/** The fields an operator sets, in input order, for comparing and merging. */
function editable(row: SourceEntity): SourceInput {
  return {
    organisationCode: row.organisationCode,
    name: row.name,
    kind: row.kind,
    protocol: row.protocol,
    baseUrl: row.baseUrl,
    authentication: row.authentication,
    timeoutMs: row.timeoutMs,
    enabled: row.enabled,
    capabilities: row.capabilities,
  };
}
