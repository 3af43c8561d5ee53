import { z } from 'zod';

import { HUB_ROLES, type HubRole, type PrincipalKind } from '../../domain/principal.js';

// config/roles.json: which hub role, and which kind of principal, each identity-provider role
// code makes. Kept in a file so an information governance officer can read and change it.

/** Principal kinds a role code can make: residents, carers and services come from the issuer, not a role code. */
const STAFF_PRINCIPAL_KINDS = ['professional', 'operator', 'privacy-officer', 'analyst'] as const satisfies readonly PrincipalKind[];

const roleEntrySchema = z.strictObject({
  name: z.string().min(1),
  examples: z.array(z.string()).optional(),
  hubRole: z.enum(HUB_ROLES),
  principalKind: z.enum(STAFF_PRINCIPAL_KINDS),
});

const roleFileSchema = z.strictObject({
  description: z.string().optional(),
  roles: z.record(z.string().regex(/^[A-Za-z0-9]+$/, 'a role key is the last part of a role code, such as R8000'), roleEntrySchema),
});

export interface MappedRole {
  /** The job role part the entry matched (R8000). */
  jobRole: string;
  hubRole: HubRole;
  principalKind: (typeof STAFF_PRINCIPAL_KINDS)[number];
}

/** Looks role codes up by their last part: CIS2 varies the S and G parts of the same job role. */
export class RoleMap {
  private constructor(private readonly entries: ReadonlyMap<string, MappedRole>) {}

  /** Parses the roles file's JSON; throws an Error naming every problem (the file is config, checked at start). */
  static parse(json: unknown, source = 'roles file'): RoleMap {
    const parsed = roleFileSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new Error(`${source} is invalid: ${problems.join('; ')}`);
    }
    const entries = new Map<string, MappedRole>();
    for (const [jobRole, entry] of Object.entries(parsed.data.roles)) {
      entries.set(jobRole.toUpperCase(), { jobRole: jobRole.toUpperCase(), hubRole: entry.hubRole, principalKind: entry.principalKind });
    }
    return new RoleMap(entries);
  }

  /** The mapping for a full role code ("S8000:G8000:R8000") or a bare job role ("R8000"); undefined if unmapped. */
  lookup(roleCode: string): MappedRole | undefined {
    const jobRole = roleCode.split(':').pop()?.trim().toUpperCase();
    return jobRole ? this.entries.get(jobRole) : undefined;
  }
}
