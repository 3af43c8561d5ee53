import { auditEventHash, GENESIS_HASH } from './audit-chain.js';
import { toUnhashedEvent, type AuditEventInput } from './audit-event.js';
import { toFhirAuditEvent } from './audit-event-fhir.js';

function row(overrides: Partial<AuditEventInput> = {}) {
  const unhashed = toUnhashedEvent(
    {
      requestId: 'req-9',
      action: 'read',
      outcome: 'allowed',
      purpose: 'TREAT',
      agent: {
        principalKind: 'professional',
        subject: 'u-1',
        issuer: 'https://idp/staff',
        name: 'Dr A Jones',
        roleCode: 'S8000:G8000:R8000',
        hubRole: 'clinician',
        organisationCode: 'A81001',
      },
      entity: {
        personId: '4b0f8f7e-1c1e-4a4e-9d1e-0d3f2f9c7a10',
        nhsNumber: '9434765919',
        sections: ['allergies', 'medicines'],
        queryKind: 'person.record',
      },
      ...overrides,
    },
    '12',
    GENESIS_HASH,
    new Date('2026-03-01T10:00:00Z'),
  );
  return { ...unhashed, hash: auditEventHash(unhashed) };
}

describe('an audit row as a FHIR AuditEvent', () => {
  it('says who looked at which patient record, for what purpose, and that it was allowed', () => {
    const event = toFhirAuditEvent(row());
    expect(event.type).toEqual({ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110', display: 'Patient Record' });
    expect(event.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }]);
    expect(event).toMatchObject({ id: '12', action: 'R', outcome: '0', recorded: '2026-03-01T10:00:00.000Z' });
    expect(event.agent[0]).toMatchObject({
      requestor: true,
      who: { identifier: { system: 'https://idp/staff', value: 'u-1' }, display: 'Dr A Jones' },
      purposeOfUse: [{ coding: [{ code: 'TREAT' }] }],
    });
    expect(event.agent[0]!.role?.map((role) => role.coding?.[0]?.code)).toEqual(['S8000:G8000:R8000', 'clinician']);
    const patient = event.entity!.find((entity) => entity.role?.code === '1');
    expect(patient?.what).toEqual({
      reference: 'Patient/4b0f8f7e-1c1e-4a4e-9d1e-0d3f2f9c7a10',
      identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' },
    });
  });

  it('records a denial as a minor failure (4) and keeps the reason code', () => {
    const event = toFhirAuditEvent(row({ outcome: 'denied', outcomeReason: 'no-relationship' }));
    expect(event.outcome).toBe('4');
    expect(event.outcomeDesc).toBe('denied: no-relationship');
  });

  it('names the resident a carer acted for, and records a search as Execute on a query', () => {
    const event = toFhirAuditEvent(
      row({
        action: 'search',
        agent: { principalKind: 'carer', subject: 'c-1', issuer: 'https://idp/residents', onBehalfOf: '9434765919' },
        entity: { queryKind: 'searchPeople' },
      }),
    );
    expect(event.action).toBe('E');
    expect(event.agent.find((agent) => !agent.requestor)?.who?.identifier?.value).toBe('9434765919');
    expect(event.entity!.find((entity) => entity.role?.code === '24')?.name).toBe('searchPeople');
  });
});
