import { z } from 'zod';
import { RECORD_SECTIONS, SOURCE_KINDS, SOURCE_PROTOCOLS } from '../connectors/source-connector.js';

// What an operator may say about a source, checked in one place for GraphQL, the sources file
// and the CLI alike. Credentials are references to environment variables, never values.

const environmentVariable = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'must be the name of an environment variable (A-Z, 0-9, _)');

const httpUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
      } catch {
        return false;
      }
    },
    { message: 'must be an http:// or https:// URL' },
  )
  .refine((value) => URL.canParse(value) && !new URL(value).username && !new URL(value).password, {
    message: 'must not carry credentials; name an environment variable in authentication instead',
  })
  .refine((value) => URL.canParse(value) && !new URL(value).search && !new URL(value).hash, {
    message: 'must not have a query or fragment',
  })
  .transform((value) => value.replace(/\/+$/, ''));

export const authenticationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('bearer'), tokenVariable: environmentVariable }).strict(),
  z
    .object({
      type: z.literal('client-credentials'),
      tokenUrl: httpUrl,
      clientId: z.string().min(1).max(200),
      secretVariable: environmentVariable,
      scope: z.string().max(500).optional(),
    })
    .strict(),
]);

export const capabilitiesSchema = z
  .object({
    sections: z
      .array(z.enum(RECORD_SECTIONS, { message: `must be one of ${RECORD_SECTIONS.join(', ')}` }))
      .max(RECORD_SECTIONS.length)
      .refine((sections) => new Set(sections).size === sections.length, { message: 'must not repeat a section' })
      .default([]),
    demographicSearch: z.boolean().default(false),
    acceptsWrites: z.boolean().default(false),
    changeFeed: z.enum(['none', 'hl7v2', 'changes-endpoint', 'last-updated']).default('none'),
  })
  .strict();

const fields = {
  organisationCode: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{3,12}$/, 'must be an ODS code: 3 to 12 capital letters and digits'),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  kind: z.enum(SOURCE_KINDS, { message: `must be one of ${SOURCE_KINDS.join(', ')}` }),
  protocol: z.enum(SOURCE_PROTOCOLS, { message: `must be one of ${SOURCE_PROTOCOLS.join(', ')}` }),
  baseUrl: httpUrl,
  authentication: authenticationSchema,
  timeoutMs: z.number().int().min(100, 'must be at least 100').max(120_000, 'must be at most 120000'),
  enabled: z.boolean(),
  capabilities: capabilitiesSchema,
};

/** Kinds and protocols that belong together: PDS speaks only PDS, GP Connect only reaches GPs, the hub hosts only its own. */
function protocolFitsKind(source: { kind: string; protocol: string }): boolean {
  if (source.protocol === 'pds-fhir' || source.kind === 'pds') return source.protocol === 'pds-fhir' && source.kind === 'pds';
  if (source.protocol === 'gp-connect') return source.kind === 'gp';
  if (source.protocol === 'social-care-json') return source.kind === 'social-care';
  // The hub's own records are read from its database, and nothing else is.
  if (source.protocol === 'hub-hosted' || source.kind === 'shared-care')
    return source.protocol === 'hub-hosted' && source.kind === 'shared-care';
  return true;
}

export const sourceInputSchema = z
  .object({
    ...fields,
    authentication: fields.authentication.default({ type: 'none' }),
    timeoutMs: fields.timeoutMs.default(5_000),
    enabled: fields.enabled.default(true),
    capabilities: fields.capabilities.default({ sections: [], demographicSearch: false, acceptsWrites: false, changeFeed: 'none' }),
  })
  .strict()
  .refine(protocolFitsKind, { message: 'this protocol cannot serve this kind of source', path: ['protocol'] });

export type SourceInput = z.output<typeof sourceInputSchema>;

/** A change to a source: any of the fields, checked against the same rules once merged. */
export const sourceChangeSchema = z.object(fields).partial().strict();
export type SourceChange = z.output<typeof sourceChangeSchema>;

/** One line per problem, naming the field: `baseUrl: must be an http:// or https:// URL`. */
export function problemsOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => `${prefix}${issue.path.join('.') || 'input'}: ${issue.message}`);
}
