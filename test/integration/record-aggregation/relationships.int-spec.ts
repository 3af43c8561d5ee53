import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import type { R4Patient } from '../../../src/fhir/index.js';
import { AccessPolicyService, type AccessRequest, type Principal, type RelationshipEvent } from '../../../src/modules/governance/index.js';
import { RelationshipEvidence } from '../../../src/modules/record-aggregation/index.js';
import { IdentityMatchingService } from '../../../src/modules/identity-matching/index.js';
import { Hl7FeedModule } from '../../../src/modules/source-connectors/hl7/hl7-feed.module.js';
import { Hl7Listener } from '../../../src/modules/source-connectors/hl7/hl7-listener.js';
import { SourceRegistry } from '../../../src/modules/source-connectors/index.js';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { nhsNumber } from '../identity-matching/identity-index-setup.js';
import { adtMessage, MllpTestClient, readAck } from '../source-connectors/mllp-test-client.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { fileRedisPrefix, freshDatabaseUrl } from '../../setup/test-run.js';

// Relationship evidence as the hub derives it from what it holds: a GP system and a council's
// case management system that hold the person, and the HL7 feeds of two hospitals that admitted
// and saw them. Identities reach the index the way syncs and feeds record them, their match jobs
// run on the worker, and the policy decides on the events the hub read back.

const DAY_MS = 86_400_000;

/** An HL7 DTM with an explicit offset, so the time the feed records is exactly this instant. */
const hl7Time = (at: Date) => `${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;

describe('relationship evidence from the hub’s sources and feeds', () => {
  let hub: RunningHub;
  let personId: string;
  let other: string;
  const nhs = nhsNumber();
  const otherNhs = nhsNumber();
  const started = new Date();
  // Whole seconds: HL7 times carry no milliseconds.
  const admitted = new Date(Math.floor((started.getTime() - 20 * DAY_MS) / 1000) * 1000);
  const discharged = new Date(admitted.getTime() + 4 * DAY_MS);
  const attended = new Date(Math.floor((started.getTime() - 3 * DAY_MS) / 1000) * 1000);

  // A database of its own: its sources' organisation codes are the real borough's, and its
  // feeds' patients must not meet another file's.
  const databaseUrl = freshDatabaseUrl('relationships');

  const addSource = async (organisationCode: string, kind: string, protocol: string) =>
    (
      await hub.app.get(SourceRegistry).add({
        organisationCode,
        name: `Source ${organisationCode}`,
        kind,
        protocol,
        baseUrl: 'http://127.0.0.1:9/fhir',
        enabled: false,
      })
    ).id;

  // The same person as adtMessage describes them (Testperson, Alex J, 1 January 1980, N1 1AA).
  const patient = (number: string, practice?: string): R4Patient => ({
    resourceType: 'Patient',
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: number }],
    name: [{ use: 'official', family: 'Testperson', given: ['Alex', 'J'] }],
    birthDate: '1980-01-01',
    gender: 'female',
    address: [{ use: 'home', line: ['1 Test Street'], postalCode: 'N1 1AA' }],
    ...(practice
      ? { generalPractitioner: [{ identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: practice } }] }
      : {}),
  });

  /** The person each identity of `number` is linked to, once all `count` of them are linked to one. */
  const personWith = (number: string, count: number) =>
    eventually(
      async () => {
        const rows = await hub.app.get(DataSource).query<Array<{ person_id: string | null }>>(
          `SELECT l.person_id FROM source_identity si
           LEFT JOIN identity_link l ON l.source_identity_id = si.id AND l.state = 'active'
           WHERE si.nhs_number = $1`,
          [number],
        );
        const persons = new Set(rows.map((row) => row.person_id));
        return rows.length === count && persons.size === 1 && !persons.has(null) ? [...persons][0]! : undefined;
      },
      30_000,
      `${count} identities of one person`,
    );

  beforeAll(async () => {
    await ensureDatabaseExists(databaseUrl);
    await migrateUp({ url: databaseUrl, poolSize: 1 });
    hub = await startTestHub({ TESSERA_ROLE: 'all', DATABASE_URL: databaseUrl, REDIS_PREFIX: `${fileRedisPrefix()}-relationships` }, [
      Hl7FeedModule,
    ]);
    const gp = await addSource('F83004', 'gp', 'gp-connect');
    const council = await addSource('E09000019', 'social-care', 'social-care-json');
    await addSource('R9A', 'acute', 'fhir-r4');
    await addSource('R9M', 'mental-health', 'fhir-r4');

    // The GP system holds the person; the council's system names another practice (the person
    // moved, and the council has not heard): both count until one stops saying so.
    const identities = hub.app.get(IdentityMatchingService);
    await identities.recordSourceIdentities(gp, [{ localId: 'GP-1', patient: patient(nhs, 'F83004') }]);
    await identities.recordSourceIdentities(council, [{ localId: 'ASC-1', patient: patient(nhs, 'F83010') }]);
    // Someone else the GP holds, seen at no hospital.
    await identities.recordSourceIdentities(gp, [
      { localId: 'GP-2', patient: { ...patient(otherNhs), name: [{ family: 'Other', given: ['Sam'] }] } },
    ]);

    // The acute trust admitted and discharged them; the mental health trust saw them last week.
    const client = await MllpTestClient.connect(hub.app.get(Hl7Listener).port);
    for (const message of [
      adtMessage({ trigger: 'A01', mrn: 'MRN-1', nhsNumber: nhs, facility: 'R9A', visit: 'V1', eventTime: hl7Time(admitted) }),
      adtMessage({ trigger: 'A03', mrn: 'MRN-1', nhsNumber: nhs, facility: 'R9A', visit: 'V1', eventTime: hl7Time(discharged) }),
      adtMessage({ trigger: 'A04', mrn: 'MH-1', nhsNumber: nhs, facility: 'R9M', visit: 'A1', eventTime: hl7Time(attended) }),
    ])
      expect(readAck(await client.send(message)).code).toBe('AA');
    client.close();

    personId = await personWith(nhs, 4);
    other = await personWith(otherNhs, 1);
    await eventually(
      async () => ((await hub.app.get(RelationshipEvidence).eventsFor(personId, new Date())).length === 5 ? true : undefined),
      15_000,
      'the feed’s care events',
    );
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    await dropDatabase(databaseUrl);
  });

  const byKind = (events: RelationshipEvent[]) =>
    [...events].sort((a, b) => `${a.kind}${a.organisationCode}`.localeCompare(`${b.kind}${b.organisationCode}`));

  it('derives each kind of relationship the hub has a source for, dated by the sources', async () => {
    const events = await hub.app.get(RelationshipEvidence).eventsFor(personId, new Date());
    const identities = await hub.app.get(IdentityMatchingService).identitiesOf(personId);
    const firstSeen = (localId: string) => identities.find((identity) => identity.localId === localId)!.firstSeenAt.toISOString();
    expect(byKind(events)).toEqual([
      { kind: 'admission', organisationCode: 'R9A', date: admitted.toISOString(), dischargeDate: discharged.toISOString() },
      { kind: 'attendance', organisationCode: 'R9M', date: attended.toISOString() },
      { kind: 'gp-registration', organisationCode: 'F83004', date: firstSeen('GP-1') },
      { kind: 'gp-registration', organisationCode: 'F83010', date: firstSeen('ASC-1') },
      { kind: 'social-care-allocation', organisationCode: 'E09000019', date: firstSeen('ASC-1') },
    ]);
  });

  it('gives a person the feeds never saw only their GP registration', async () => {
    expect(await hub.app.get(RelationshipEvidence).eventsFor(other, new Date())).toEqual([
      expect.objectContaining({ kind: 'gp-registration', organisationCode: 'F83004' }),
    ]);
  });

  const professional = (organisationCode: string, role: 'clinician' | 'social-worker' = 'clinician'): Principal => ({
    kind: 'professional',
    subject: `user-${organisationCode}`,
    issuer: 'https://idp.test/staff',
    roles: [role],
    roleCodes: ['S8000:G8000:R8000'],
    organisation: { code: organisationCode },
  });

  /** The policy's decision for a professional reading the person's medications at `now`, on the hub's evidence. */
  const decide = async (principal: Principal, now: Date) => {
    const request: AccessRequest = {
      principal,
      person: {
        id: personId,
        nhsNumber: nhs,
        restricted: false,
        consent: { optedOut: false, hiddenSections: [], refusesBreakGlass: false },
      },
      sections: ['medications'],
      relationshipEvidence: await hub.app.get(RelationshipEvidence).eventsFor(personId, now),
      organisationKinds: {},
      now,
    };
    return hub.app.get(AccessPolicyService).decide(request);
  };

  it('allows a clinician of the admitting hospital, of the person’s practice and of the hospital they attended', async () => {
    const now = new Date();
    const hospital = await decide(professional('R9A'), now);
    expect(hospital).toMatchObject({ outcome: 'allowed', basis: 'relationship', allowedSections: ['medications'] });
    expect(hospital.relationship).toEqual({ kind: 'admission', organisationCode: 'R9A', date: admitted.toISOString() });
    expect((await decide(professional('F83004'), now)).relationship?.kind).toBe('gp-registration');
    expect((await decide(professional('R9M'), now)).relationship?.kind).toBe('attendance');
    expect((await decide(professional('E09000019', 'social-worker'), now)).relationship?.kind).toBe('social-care-allocation');
  });

  it('denies a clinician of an organisation that has not cared for the person, with no-relationship', async () => {
    const decision = await decide(professional('RAL'), new Date());
    expect(decision).toMatchObject({ outcome: 'denied', allowedSections: [] });
    expect(decision.deniedSections).toEqual([{ section: 'medications', reason: 'no-relationship' }]);
  });

  it('applies the policy’s windows: the attendance lapses after 30 days, the stay 90 days after discharge', async () => {
    const policy = hub.app.get(AccessPolicyService).policy.relationships;
    const afterAttendance = new Date(attended.getTime() + (policy.attendanceWindowDays + 1) * DAY_MS);
    expect((await decide(professional('R9M'), afterAttendance)).deniedSections).toEqual([
      { section: 'medications', reason: 'no-relationship' },
    ]);
    expect((await decide(professional('R9A'), afterAttendance)).outcome).toBe('allowed');
    const afterStay = new Date(discharged.getTime() + (policy.admissionWindowDays + 1) * DAY_MS);
    expect((await decide(professional('R9A'), afterStay)).deniedSections).toEqual([{ section: 'medications', reason: 'no-relationship' }]);
    // Registration has no end while the practice's system still holds the person.
    expect((await decide(professional('F83004'), afterStay)).outcome).toBe('allowed');
  });
});
