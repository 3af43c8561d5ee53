import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { isValidNhsNumber } from '../../../fhir/index.js';
import { generatePopulation } from '../../population/generate-population.js';
import { MEDICINES } from '../../population/reference-data/clinical-codes.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/gp-connect');
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const DIABETES = '44054006';
const HBA1C = '1049301000000100';
const DIABETIC_MEDICINES = new Set<string>([MEDICINES.metformin.code, MEDICINES.gliclazide.code, MEDICINES.sitagliptin.code]);

interface Json {
  [key: string]: unknown;
}

/** What the tests read of a FHIR resource; the rest stays `unknown`. */
interface FhirResource extends Json {
  resourceType: string;
  id?: string;
  meta?: { profile?: string[] };
}

interface FhirBundle extends FhirResource {
  type: string;
  entry: Array<{ resource?: FhirResource } & Partial<FhirResource>>;
}

let sandbox: RunningSandbox;
/** Primary, living GP registrations whose NHS number belongs to them alone, with the clinical history behind them. */
let registrations: SystemRecord[];

beforeAll(async () => {
  const population = generatePopulation({ seed: 20_250_301, size: 600, referenceDate: '2025-06-01' });
  sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  const gp = sandbox.context.directories.gp;
  registrations = gp.records.filter(
    (record) => record.nhsNumber && !record.duplicateOf && !record.deathDate && gp.byNhsNumber.get(record.nhsNumber)?.length === 1,
  );
});

afterAll(async () => {
  await sandbox?.stop();
});

// ---- the shape checker both the fixtures and our responses go through

/** The fixtures' structured record responses; the malformed consultation example is read after removing its trailing comma. */
function fixtureBundles(): FhirBundle[] {
  const folder = path.join(FIXTURES, 'access-record-structured');
  const files = readdirSync(folder)
    .filter((file) => file.includes('_response'))
    .map((file) => readFileSync(path.join(folder, file), 'utf8'));
  files.push(readFileSync(path.join(FIXTURES, 'malformed/consultations_response1.json'), 'utf8').replace(/,(\s*[\]}])/g, '$1'));
  return files.map((text) => JSON.parse(text) as FhirBundle);
}

function resourcesOf(bundle: FhirBundle): FhirResource[] {
  // One fixture carries entries without the resource wrapper; read them as the resource itself.
  return bundle.entry.map((entry) => (entry.resource ?? entry) as FhirResource);
}

interface BundleShape {
  profilesByType: Map<string, Set<string>>;
  listCodes: Set<string>;
  /** "Resource.path -> TargetType" for every reference, e.g. "MedicationStatement.basedOn -> MedicationRequest". */
  referenceEdges: Set<string>;
  /** References that name no resource in the Bundle (or in the resource's contained ones). */
  unresolved: string[];
  emptyArrays: string[];
  /** Lists that have entries and an emptyReason, or neither. */
  confusedLists: string[];
}

function shapeOf(bundle: FhirBundle): BundleShape {
  const shape: BundleShape = {
    profilesByType: new Map(),
    listCodes: new Set(),
    referenceEdges: new Set(),
    unresolved: [],
    emptyArrays: [],
    confusedLists: [],
  };
  const resources = resourcesOf(bundle);
  const present = new Set(resources.map((resource) => `${resource.resourceType}/${resource.id}`));
  for (const resource of resources) {
    const profiles = shape.profilesByType.get(resource.resourceType) ?? new Set<string>();
    for (const profile of resource.meta?.profile ?? []) profiles.add(profile);
    shape.profilesByType.set(resource.resourceType, profiles);
    if (resource.resourceType === 'List') {
      for (const coding of (resource.code as { coding: Array<{ code: string }> }).coding) shape.listCodes.add(coding.code);
      // A GP Connect List either has entries or says why it is empty.
      if (Array.isArray(resource.entry) === (resource.emptyReason !== undefined)) shape.confusedLists.push(String(resource.title));
    }
    const contained = new Set(((resource.contained as FhirResource[] | undefined) ?? []).map((inner) => `#${inner.id}`));
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) {
        if (node.length === 0) shape.emptyArrays.push(`${resource.resourceType}.${at}`);
        for (const item of node) walk(item, at);
        return;
      }
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'contained') continue;
        if (key === 'reference' && typeof value === 'string') {
          const target = value.startsWith('#') ? '#contained' : value.split('/')[0];
          shape.referenceEdges.add(`${resource.resourceType}.${at} -> ${target}`);
          if (!(present.has(value) || contained.has(value))) shape.unresolved.push(`${resource.resourceType}.${at} -> ${value}`);
        } else walk(value, at ? `${at}.${key}` : key);
      }
    };
    walk(resource, '');
  }
  return shape;
}

function mergeShapes(shapes: BundleShape[]): BundleShape {
  const merged: BundleShape = {
    profilesByType: new Map(),
    listCodes: new Set(),
    referenceEdges: new Set(),
    unresolved: [],
    emptyArrays: [],
    confusedLists: [],
  };
  for (const shape of shapes) {
    for (const [type, profiles] of shape.profilesByType)
      merged.profilesByType.set(type, new Set([...(merged.profilesByType.get(type) ?? []), ...profiles]));
    for (const code of shape.listCodes) merged.listCodes.add(code);
    for (const edge of shape.referenceEdges) merged.referenceEdges.add(edge);
  }
  return merged;
}

// ---- requests

function parameters(nhsNumber: string, areas: Array<Record<string, unknown>>): Json {
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhsNumber } }, ...areas],
  };
}

const EVERY_AREA: Array<Record<string, unknown>> = [
  { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
  { name: 'includeMedication', part: [{ name: 'includePrescriptionIssues', valueBoolean: true }] },
  { name: 'includeProblems' },
  { name: 'includeConsultations' },
  { name: 'includeImmunisations' },
  { name: 'includeUncategorisedData' },
  { name: 'includeInvestigations' },
  { name: 'includeReferrals' },
  { name: 'includeDiaryEntries' },
];

async function getStructuredRecord(
  body: unknown,
  practice?: string,
): Promise<{ status: number; body: FhirBundle & Json; contentType: string | null }> {
  const base = practice ? `${sandbox.url}/gp/${practice}` : `${sandbox.url}/gp`;
  const response = await fetch(`${base}/STU3/1/gpconnect/structured/fhir/Patient/$gpc.getstructuredrecord`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as FhirBundle & Json, contentType: response.headers.get('content-type') };
}

function spineCode(outcome: Json): string | undefined {
  const issue = (outcome.issue as Array<{ details?: { coding?: Array<{ system: string; code: string }> } }> | undefined)?.[0];
  const coding = issue?.details?.coding?.[0];
  return coding?.system === 'https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1' ? coding.code : undefined;
}

function historyOf(record: SystemRecord) {
  return sandbox.context.histories.forSystem(record.personId, 'gp')!;
}

/** The patient whose GP record has the most kinds of item in it, so the comparison covers every resource type. */
function richestRegistration(): SystemRecord {
  const score = (record: SystemRecord) => {
    const history = historyOf(record);
    return [
      history.allergies,
      history.medications,
      history.conditions,
      history.encounters,
      history.observations,
      history.diagnosticReports,
    ].filter((items) => items.length > 0).length;
  };
  return registrations.reduce((best, record) => (score(record) > score(best) ? record : best));
}

// ---- tests

describe('GP Connect Access Record: Structured', () => {
  it('answers a known patient with a Bundle that parses like the GP Connect examples', async () => {
    const record = richestRegistration();
    const { status, body, contentType } = await getStructuredRecord(parameters(record.nhsNumber!, EVERY_AREA), record.organisationCode);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/fhir\+json/);

    const fixtures = fixtureBundles();
    for (const fixture of fixtures) {
      expect(fixture.resourceType).toBe('Bundle');
      expect(fixture.type).toBe('collection');
    }
    expect(body.resourceType).toBe('Bundle');
    expect(body.type).toBe('collection');
    expect(body.meta).toEqual(fixtures[0]!.meta);

    const expected = mergeShapes(fixtures.map(shapeOf));
    const ours = shapeOf(body);
    // Every resource type we send, and every profile we claim for it, appears in the examples.
    for (const [type, profiles] of ours.profilesByType) {
      expect({ type, known: expected.profilesByType.has(type) }).toEqual({ type, known: true });
      for (const profile of profiles)
        expect({ type, profile, known: expected.profilesByType.get(type)!.has(profile) }).toEqual({ type, profile, known: true });
    }
    for (const type of [
      'Patient',
      'Organization',
      'Practitioner',
      'PractitionerRole',
      'List',
      'AllergyIntolerance',
      'MedicationStatement',
      'MedicationRequest',
      'Medication',
      'Condition',
      'Encounter',
      'Observation',
      'DiagnosticReport',
    ]) {
      expect({ type, sent: ours.profilesByType.has(type) }).toEqual({ type, sent: true });
    }
    // References point the way the examples point (resource, element, target type) and all resolve.
    expect([...ours.referenceEdges].filter((edge) => !expected.referenceEdges.has(edge))).toEqual([]);
    expect(ours.unresolved).toEqual([]);
    // FHIR JSON has no empty arrays.
    expect(ours.emptyArrays).toEqual([]);
    expect(ours.confusedLists).toEqual([]);

    // The section Lists carry the SNOMED codes the examples use.
    const sectionCodes = {
      allergies: '886921000000105',
      medications: '933361000000108',
      problems: '717711000000103',
      consultations: '1149501000000101',
      immunisations: '1102181000000102',
      uncategorised: '826501000000100',
      investigations: '887191000000108',
      diaryEntries: '714311000000108',
    };
    for (const code of Object.values(sectionCodes)) {
      expect({ code, inExamples: expected.listCodes.has(code), inOurs: ours.listCodes.has(code) }).toEqual({
        code,
        inExamples: true,
        inOurs: true,
      });
    }
    // Two areas have no example response; their codes are the specification's (ended allergies, outbound referral).
    expect([...ours.listCodes]).toEqual(expect.arrayContaining(['1103671000000101', '792931000000107']));
  });

  it('carries the patient as the GP system holds them, with a verified NHS number and their practice', async () => {
    const record = registrations[0]!;
    const { status, body } = await getStructuredRecord(parameters(record.nhsNumber!, []), record.organisationCode);
    expect(status).toBe(200);
    const resources = resourcesOf(body);
    const patient = resources.find((resource) => resource.resourceType === 'Patient') as Json & FhirResource;
    const fixturePatient = resourcesOf(
      JSON.parse(readFileSync(path.join(FIXTURES, 'access-record-structured/meds_response.json'), 'utf8')) as FhirBundle,
    ).find((resource) => resource.resourceType === 'Patient') as Json;
    const identifier = (patient.identifier as Array<Json>)[0]!;
    const fixtureIdentifier = (fixturePatient.identifier as Array<Json>)[0]!;
    expect(identifier).toEqual({ ...fixtureIdentifier, value: record.nhsNumber });
    expect(patient.birthDate).toBe(record.birthDate);
    expect((patient.name as Array<{ family: string }>)[0]!.family).toBe(record.family);
    const organization = resources.find((resource) => resource.resourceType === 'Organization') as Json;
    expect(organization.identifier).toEqual([{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: record.organisationCode }]);
    // Without clinical areas asked for, only the patient, practice and usual GP come back.
    expect(resources.map((resource) => resource.resourceType).sort()).toEqual([
      'Organization',
      'Patient',
      'Practitioner',
      'PractitionerRole',
    ]);
  });

  it("holds a diabetic patient's diabetic medicines and HbA1c results", async () => {
    const diabetic = registrations.find((record) => historyOf(record).conditions.some((condition) => condition.code.code === DIABETES));
    expect(diabetic).toBeDefined();
    const { status, body } = await getStructuredRecord(
      parameters(diabetic!.nhsNumber!, [{ name: 'includeMedication' }, { name: 'includeProblems' }, { name: 'includeInvestigations' }]),
      diabetic!.organisationCode,
    );
    expect(status).toBe(200);
    const resources = resourcesOf(body);
    const byReference = new Map(resources.map((resource) => [`${resource.resourceType}/${resource.id}`, resource as Json]));
    const listCoded = (code: string) =>
      resources.find(
        (resource) => resource.resourceType === 'List' && (resource.code as { coding: Array<{ code: string }> }).coding[0]!.code === code,
      ) as Json;

    const problems = (listCoded('717711000000103').entry as Array<{ item: { reference: string } }>).map((entry) =>
      byReference.get(entry.item.reference)!,
    );
    expect(problems.map((condition) => (condition.code as { coding: Array<{ code: string }> }).coding[0]!.code)).toContain(DIABETES);

    const statements = (listCoded('933361000000108').entry as Array<{ item: { reference: string } }>).map((entry) =>
      byReference.get(entry.item.reference)!,
    );
    const medicineCodes = statements.map((statement) => {
      const medication = byReference.get((statement.medicationReference as { reference: string }).reference)!;
      return (medication.code as { coding: Array<{ code: string }> }).coding[0]!.code;
    });
    expect(medicineCodes.some((code) => DIABETIC_MEDICINES.has(code))).toBe(true);
    // Repeat medicines come with their authorisation (plan) and their issues (orders).
    const intents = new Set(resources.filter((resource) => resource.resourceType === 'MedicationRequest').map((request) => request.intent));
    expect(intents).toEqual(new Set(['plan', 'order']));

    const hba1c = resources.filter(
      (resource) =>
        resource.resourceType === 'Observation' && (resource.code as { coding: Array<{ code: string }> }).coding[0]!.code === HBA1C,
    );
    expect(hba1c.length).toBeGreaterThanOrEqual(2);
    for (const result of hba1c)
      expect(result.valueQuantity).toEqual(expect.objectContaining({ unit: 'mmol/mol', value: expect.any(Number) }));
    // Each result hangs off a DiagnosticReport in the investigations List.
    const reports = (listCoded('887191000000108').entry as Array<{ item: { reference: string } }>).map((entry) =>
      byReference.get(entry.item.reference)!,
    );
    const reported = new Set(
      reports.flatMap((report) => ((report.result as Array<{ reference: string }> | undefined) ?? []).map((result) => result.reference)),
    );
    for (const result of hba1c) expect(reported.has(`Observation/${result.id}`)).toBe(true);
  });

  it('keeps a medication search to medicines active on or after the date asked for', async () => {
    const record = registrations.find((candidate) =>
      historyOf(candidate).medications.some((item) => item.courseType === 'acute' && item.end && item.end < '2025-01-01'),
    );
    expect(record).toBeDefined();
    const all = await getStructuredRecord(parameters(record!.nhsNumber!, [{ name: 'includeMedication' }]), record!.organisationCode);
    const recent = await getStructuredRecord(
      parameters(record!.nhsNumber!, [
        {
          name: 'includeMedication',
          part: [
            { name: 'medicationSearchFromDate', valueDate: '2025-01-01' },
            { name: 'includePrescriptionIssues', valueBoolean: false },
          ],
        },
      ]),
      record!.organisationCode,
    );
    const statements = (bundle: FhirBundle) => resourcesOf(bundle).filter((resource) => resource.resourceType === 'MedicationStatement');
    expect(statements(recent.body).length).toBeLessThan(statements(all.body).length);
    expect(resourcesOf(recent.body).some((resource) => resource.resourceType === 'MedicationRequest' && resource.intent === 'order')).toBe(
      false,
    );
  });

  it('is the same on every request, so the same item keeps its id', async () => {
    const record = richestRegistration();
    const first = await getStructuredRecord(parameters(record.nhsNumber!, EVERY_AREA), record.organisationCode);
    const second = await getStructuredRecord(parameters(record.nhsNumber!, EVERY_AREA), record.organisationCode);
    const ids = (bundle: FhirBundle) => resourcesOf(bundle).map((resource) => `${resource.resourceType}/${resource.id}`);
    expect(ids(second.body)).toEqual(ids(first.body));
  });

  it('refuses an NHS number that fails the check digit with 400 INVALID_NHS_NUMBER', async () => {
    const record = registrations[0]!;
    const wrongCheckDigit = `${record.nhsNumber!.slice(0, 9)}${(Number(record.nhsNumber![9]) + 1) % 10}`;
    expect(isValidNhsNumber(wrongCheckDigit)).toBe(false);
    for (const value of [wrongCheckDigit, '12345', 'not-a-number']) {
      const { status, body } = await getStructuredRecord(parameters(value, []), record.organisationCode);
      expect({ value, status, code: spineCode(body) }).toEqual({ value, status: 400, code: 'INVALID_NHS_NUMBER' });
      expect(body.meta?.profile).toEqual(['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1']);
    }
  });

  it('answers 404 PATIENT_NOT_FOUND for an NHS number nobody at the practice has', async () => {
    const known = sandbox.context.directories.gp.byNhsNumber;
    let unknown = '';
    for (let candidate = 999_000_0000; !unknown; candidate += 1) {
      const value = String(candidate);
      if (isValidNhsNumber(value) && !known.has(value)) unknown = value;
    }
    const { status, body } = await getStructuredRecord(
      parameters(unknown, [{ name: 'includeMedication' }]),
      registrations[0]!.organisationCode,
    );
    expect({ status, code: spineCode(body) }).toEqual({ status: 404, code: 'PATIENT_NOT_FOUND' });
  });

  it('answers for its own patients only: registered elsewhere is PATIENT_NOT_FOUND, the all-practice path finds them', async () => {
    const record = registrations[0]!;
    const elsewhere = sandbox.context.population.organisations.find(
      (organisation) => organisation.kind === 'gp-practice' && organisation.code !== record.organisationCode,
    )!;
    const wrongPractice = await getStructuredRecord(parameters(record.nhsNumber!, []), elsewhere.code);
    expect({ status: wrongPractice.status, code: spineCode(wrongPractice.body) }).toEqual({ status: 404, code: 'PATIENT_NOT_FOUND' });
    const anyPractice = await getStructuredRecord(parameters(record.nhsNumber!, []));
    expect(anyPractice.status).toBe(200);
    const unknownPractice = await getStructuredRecord(parameters(record.nhsNumber!, []), 'Z99999');
    expect({ status: unknownPractice.status, code: spineCode(unknownPractice.body) }).toEqual({
      status: 404,
      code: 'ORGANISATION_NOT_FOUND',
    });
  });

  it('answers a deceased patient as not found, as GP Connect does', async () => {
    const gp = sandbox.context.directories.gp;
    const deceased = gp.records.find(
      (record) => record.deathDate && record.nhsNumber && gp.byNhsNumber.get(record.nhsNumber)?.length === 1,
    );
    expect(deceased).toBeDefined();
    const { status, body } = await getStructuredRecord(parameters(deceased!.nhsNumber!, []), deceased!.organisationCode);
    expect({ status, code: spineCode(body) }).toEqual({ status: 404, code: 'PATIENT_NOT_FOUND' });
  });

  describe('refuses a malformed Parameters resource the GP Connect way', () => {
    const valid = () => registrations[0]!.nhsNumber!;
    const cases: Array<[string, () => unknown, number, string]> = [
      ['a body that is not a Parameters resource', () => ({ resourceType: 'Patient' }), 422, 'INVALID_RESOURCE'],
      ['a Parameters resource without parameters', () => ({ resourceType: 'Parameters' }), 422, 'INVALID_RESOURCE'],
      ['no patientNHSNumber', () => ({ resourceType: 'Parameters', parameter: [{ name: 'includeMedication' }] }), 422, 'INVALID_PARAMETER'],
      [
        'an NHS number under another identifier system',
        () => ({
          resourceType: 'Parameters',
          parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: 'https://example.org/mrn', value: valid() } }],
        }),
        400,
        'INVALID_IDENTIFIER_SYSTEM',
      ],
      ['an unknown parameter', () => parameters(valid(), [{ name: 'includeEverything' }]), 422, 'INVALID_PARAMETER'],
      [
        'includeAllergies without includeResolvedAllergies',
        () => parameters(valid(), [{ name: 'includeAllergies' }]),
        422,
        'INVALID_PARAMETER',
      ],
      [
        'a part parameter without a value',
        () => parameters(valid(), [{ name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies' }] }]),
        422,
        'INVALID_PARAMETER',
      ],
      [
        'a medication search date in the future',
        () => parameters(valid(), [{ name: 'includeMedication', part: [{ name: 'medicationSearchFromDate', valueDate: '2999-01-01' }] }]),
        422,
        'INVALID_PARAMETER',
      ],
      [
        'a partial medication search date',
        () => parameters(valid(), [{ name: 'includeMedication', part: [{ name: 'medicationSearchFromDate', valueDate: '2020-01' }] }]),
        422,
        'INVALID_PARAMETER',
      ],
      [
        'a consultation period and a number of most recent together',
        () =>
          parameters(valid(), [
            {
              name: 'includeConsultations',
              part: [
                { name: 'consultationSearchPeriod', valuePeriod: { start: '2020-01-01', end: '2021-01-01' } },
                { name: 'includeNumberOfMostRecent', valuePositiveInt: 3 },
              ],
            },
          ]),
        422,
        'INVALID_RESOURCE',
      ],
      [
        'a problem status other than active or inactive',
        () => parameters(valid(), [{ name: 'includeProblems', part: [{ name: 'filterStatus', valueCode: 'resolved' }] }]),
        422,
        'INVALID_PARAMETER',
      ],
      [
        'a combination the specification forbids',
        () =>
          parameters(valid(), [
            { name: 'includeConsultations' },
            { name: 'includeMedication', part: [{ name: 'medicationSearchFromDate', valueDate: '2020-01-01' }] },
          ]),
        422,
        'INVALID_PARAMETER',
      ],
    ];
    it.each(cases)('%s', async (_name, body, status, code) => {
      const response = await getStructuredRecord(body(), registrations[0]!.organisationCode);
      expect({ status: response.status, resourceType: response.body.resourceType, code: spineCode(response.body) }).toEqual({
        status,
        resourceType: 'OperationOutcome',
        code,
      });
    });
  });
});
