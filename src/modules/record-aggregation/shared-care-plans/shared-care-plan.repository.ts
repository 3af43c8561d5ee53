import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import type { R4CarePlan, R4Resource } from '../../../fhir/index.js';
import type { HostedSectionReader, RecordSection } from '../../source-connectors/index.js';
import type { SharedCarePlanKind } from './domain/shared-care-plan.js';

/** A plan as stored: which person (by NHS number), its kind, whether it stands, and its latest version. */
export interface SharedCarePlanRecord {
  id: string;
  nhsNumber: string;
  kind: SharedCarePlanKind;
  status: 'active' | 'revoked';
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One version: the CarePlan as it stood, who wrote it and why. */
export interface SharedCarePlanVersionRecord {
  planId: string;
  version: number;
  resource: R4CarePlan;
  authorSubject: string;
  authorIssuer: string;
  authorName: string | null;
  authorOrganisation: string | null;
  authorRole: string;
  changeNote: string | null;
  createdAt: Date;
}

interface PlanRow {
  id: string;
  nhs_number: string;
  kind: SharedCarePlanKind;
  status: 'active' | 'revoked';
  current_version: number;
  created_at: Date;
  updated_at: Date;
}

interface VersionRow {
  plan_id: string;
  version: number;
  resource: R4CarePlan;
  author_subject: string;
  author_issuer: string;
  author_name: string | null;
  author_organisation: string | null;
  author_role: string;
  change_note: string | null;
  created_at: Date;
}

const PLAN_COLUMNS = 'id, nhs_number, kind, status, current_version, created_at, updated_at';
const VERSION_COLUMNS =
  'plan_id, version, resource, author_subject, author_issuer, author_name, author_organisation, author_role, change_note, created_at';

const planOf = (row: PlanRow): SharedCarePlanRecord => ({
  id: row.id,
  nhsNumber: row.nhs_number,
  kind: row.kind,
  status: row.status,
  currentVersion: row.current_version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const versionOf = (row: VersionRow): SharedCarePlanVersionRecord => ({
  planId: row.plan_id,
  version: row.version,
  resource: row.resource,
  authorSubject: row.author_subject,
  authorIssuer: row.author_issuer,
  authorName: row.author_name,
  authorOrganisation: row.author_organisation,
  authorRole: row.author_role,
  changeNote: row.change_note,
  createdAt: row.created_at,
});

/**
 * The shared_care_plan tables, and the hub-hosted source's reader: a person's active plans, each
 * as its current version's CarePlan.
 */
@Injectable()
export class SharedCarePlanRepository implements HostedSectionReader {
  readonly sections: readonly RecordSection[] = ['carePlans'];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async readSection(nhsNumber: string, section: RecordSection): Promise<R4Resource[]> {
    if (section !== 'carePlans') return [];
    const rows = await this.dataSource.query<Array<{ resource: R4CarePlan }>>(
      `SELECT v.resource FROM shared_care_plan p
         JOIN shared_care_plan_version v ON v.plan_id = p.id AND v.version = p.current_version
       WHERE p.nhs_number = $1 AND p.status = 'active' ORDER BY p.created_at, p.id`,
      [nhsNumber],
    );
    return rows.map((row) => row.resource);
  }

  async plan(
    id: string,
    manager: EntityManager = this.dataSource.manager,
    options: { forUpdate?: boolean } = {},
  ): Promise<SharedCarePlanRecord | null> {
    const [row] = await manager.query<PlanRow[]>(
      `SELECT ${PLAN_COLUMNS} FROM shared_care_plan WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? planOf(row) : null;
  }

  async version(
    planId: string,
    version: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SharedCarePlanVersionRecord | null> {
    const [row] = await manager.query<VersionRow[]>(
      `SELECT ${VERSION_COLUMNS} FROM shared_care_plan_version WHERE plan_id = $1 AND version = $2`,
      [planId, version],
    );
    return row ? versionOf(row) : null;
  }

  /** Every version, oldest first. */
  async versions(planId: string): Promise<SharedCarePlanVersionRecord[]> {
    const rows = await this.dataSource.query<VersionRow[]>(
      `SELECT ${VERSION_COLUMNS} FROM shared_care_plan_version WHERE plan_id = $1 ORDER BY version`,
      [planId],
    );
    return rows.map(versionOf);
  }

  async insertPlan(plan: Omit<SharedCarePlanRecord, 'updatedAt'>, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO shared_care_plan (id, nhs_number, kind, status, current_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [plan.id, plan.nhsNumber, plan.kind, plan.status, plan.currentVersion, plan.createdAt],
    );
  }

  async updatePlan(
    id: string,
    change: Pick<SharedCarePlanRecord, 'kind' | 'status' | 'currentVersion' | 'updatedAt'>,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(`UPDATE shared_care_plan SET kind = $2, status = $3, current_version = $4, updated_at = $5 WHERE id = $1`, [
      id,
      change.kind,
      change.status,
      change.currentVersion,
      change.updatedAt,
    ]);
  }

  async insertVersion(version: SharedCarePlanVersionRecord, manager: EntityManager): Promise<void> {
    await manager.query(`INSERT INTO shared_care_plan_version (${VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
      version.planId,
      version.version,
      JSON.stringify(version.resource),
      version.authorSubject,
      version.authorIssuer,
      version.authorName,
      version.authorOrganisation,
      version.authorRole,
      version.changeNote,
      version.createdAt,
    ]);
  }
}
