import { ACUTE_TRUST, COUNCIL, GP_PRACTICES, MENTAL_HEALTH_TRUST, PDS_SERVICE } from '../population/reference-data/organisations.js';
import type { Organisation } from '../population/population.types.js';

// What an operator would register to join the sandbox borough, in the terms of a source
// registry: who, what kind, which protocol at which base URL, and what each source can do.
// Served at GET /sandbox/sources so the demo (and a hub's source seeding) need no hand copying.

export type RecordSection = 'allergies' | 'medications' | 'conditions' | 'observations' | 'encounters' | 'appointments' | 'carePlans';

export interface SourceDescription {
  organisation: { code: string; name: string };
  kind: 'gp' | 'acute' | 'mental-health' | 'social-care' | 'pds';
  protocol: 'gp-connect' | 'fhir-r4' | 'social-care-json' | 'pds-fhir';
  baseUrl: string;
  capabilities: {
    sections: RecordSection[];
    demographicSearch: boolean;
    acceptsWrites: boolean;
    /** How the hub lists what changed: last-updated is FHIR `_lastUpdated` search (the trusts' HL7 feed flows besides). */
    changeFeed: 'none' | 'hl7v2' | 'changes-endpoint' | 'last-updated';
  };
}

export interface SourceManifest {
  sources: SourceDescription[];
  identityProviders: Array<{ kind: 'staff' | 'resident'; issuer: string }>;
}

const organisation = ({ code, name }: Organisation) => ({ code, name });

export function sourceManifest(publicUrl: string): SourceManifest {
  const practices: SourceDescription[] = GP_PRACTICES.map((practice) => ({
    organisation: organisation(practice),
    kind: 'gp',
    protocol: 'gp-connect',
    baseUrl: `${publicUrl}/gp/${practice.code}/STU3/1/gpconnect`,
    capabilities: {
      sections: ['allergies', 'medications', 'conditions', 'observations', 'encounters', 'appointments'],
      demographicSearch: false,
      acceptsWrites: false,
      changeFeed: 'none',
    },
  }));
  return {
    sources: [
      ...practices,
      {
        organisation: organisation(ACUTE_TRUST),
        kind: 'acute',
        protocol: 'fhir-r4',
        baseUrl: `${publicUrl}/acute`,
        capabilities: {
          sections: ['allergies', 'medications', 'conditions', 'observations', 'encounters', 'appointments'],
          demographicSearch: true,
          acceptsWrites: true,
          changeFeed: 'last-updated',
        },
      },
      {
        organisation: organisation(MENTAL_HEALTH_TRUST),
        kind: 'mental-health',
        protocol: 'fhir-r4',
        baseUrl: `${publicUrl}/mental-health`,
        capabilities: {
          sections: ['allergies', 'medications', 'conditions', 'observations', 'encounters', 'appointments', 'carePlans'],
          demographicSearch: true,
          acceptsWrites: false,
          changeFeed: 'last-updated',
        },
      },
      {
        organisation: organisation(COUNCIL),
        kind: 'social-care',
        protocol: 'social-care-json',
        baseUrl: `${publicUrl}/social-care/api/v1`,
        capabilities: {
          sections: ['carePlans', 'encounters'],
          demographicSearch: true,
          acceptsWrites: false,
          changeFeed: 'changes-endpoint',
        },
      },
      {
        organisation: organisation(PDS_SERVICE),
        kind: 'pds',
        protocol: 'pds-fhir',
        baseUrl: `${publicUrl}/pds/FHIR/R4`,
        capabilities: { sections: [], demographicSearch: true, acceptsWrites: false, changeFeed: 'none' },
      },
    ],
    identityProviders: [
      { kind: 'staff', issuer: `${publicUrl}/idp/staff` },
      { kind: 'resident', issuer: `${publicUrl}/idp/residents` },
    ],
  };
}
