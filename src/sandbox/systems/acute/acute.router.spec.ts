import { generatePopulation } from '../../population/generate-population.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';

// The hospital trust's FHIR R4 API over HTTP, as the hub uses it: find a patient by NHS number
// or demographics, page through their record, and post observations and diagnoses.

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const MRN = 'https://fhir.sandbox.tessera.example/acute/mrn';
const SNOMED = 'http://snomed.info/sct';

interface Resource {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}
interface Bundle {
  resourceType: 'Bundle';
  type: string;
  total: number;
  link: Array<{ relation: string; url: string }>;
  entry?: Array<{ fullUrl: string; resource: Resource }>;
}
interface Outcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ severity: string; code: string; diagnostics: string }>;
}
interface PatientResource extends Resource {
  identifier: Array<{ system: string; value: string }>;
  name: Array<{ family: string; given: string[] }>;
  birthDate: string;
}
interface EncounterResource extends Resource {
  class: { code: string };
  period: { start: string; end?: string };
  hospitalization?: { dischargeDisposition?: { coding: Array<{ code: string; display: string }> } };
}

let sandbox: RunningSandbox;
let records: SystemRecord[];

beforeAll(async () => {
  const population = generatePopulation({ seed: 77, size: 600, referenceDate: '2026-03-02' });
  sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  records = sandbox.context.directories.acute.records;
});

afterAll(async () => {
  await sandbox?.stop();
});

async function get<T = Bundle>(pathOrUrl: string): Promise<{ status: number; body: T }> {
  const response = await fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${sandbox.url}${pathOrUrl}`);
  return { status: response.status, body: (await response.json()) as T };
}

async function post(path: string, body: unknown, contentType = 'application/fhir+json'): Promise<Response> {
  return fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) });
}

/** Every resource a search returns, following next links. */
async function allPages(path: string): Promise<{ total: number; ids: string[]; pages: number }> {
  let url: string | undefined = `${sandbox.url}${path}`;
  const ids: string[] = [];
  let total = -1;
  let pages = 0;
  while (url) {
    const { status, body }: { status: number; body: Bundle } = await get(url);
    expect(status).toBe(200);
    total = body.total;
    pages += 1;
    ids.push(...(body.entry ?? []).map((entry) => entry.resource.id));
    url = body.link.find((link) => link.relation === 'next')?.url;
  }
  return { total, ids, pages };
}

function primaryRecords(): SystemRecord[] {
  return records.filter((record) => !record.duplicateOf);
}

function bloodPressure(patientId: string, systolic = 152, diastolic = 91): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: SNOMED, code: '75367002', display: 'Blood pressure' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2026-03-01T10:15:00Z',
    component: [
      {
        code: { coding: [{ system: SNOMED, code: '72313002', display: 'Systolic arterial pressure' }] },
        valueQuantity: { value: systolic, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: SNOMED, code: '1091811000000102', display: 'Diastolic arterial pressure' }] },
        valueQuantity: { value: diastolic, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
    ],
  };
}

describe('finding a patient', () => {
  it('finds a patient by NHS number, and by the hospital number', async () => {
    const record = primaryRecords().find((candidate) => candidate.nhsNumber)!;
    const byNhs = await get(`/acute/Patient?identifier=${encodeURIComponent(`${NHS}|${record.nhsNumber}`)}`);
    expect(byNhs.status).toBe(200);
    expect(byNhs.body.type).toBe('searchset');
    const ids = byNhs.body.entry!.map((entry) => entry.resource.id);
    expect(ids).toContain(record.localId);
    expect(byNhs.body.entry![0].fullUrl).toBe(`${sandbox.url}/acute/Patient/${byNhs.body.entry![0].resource.id}`);

    const byMrn = await get(`/acute/Patient?identifier=${encodeURIComponent(`${MRN}|${record.localId}`)}`);
    expect(byMrn.body.total).toBe(1);
    const patient = byMrn.body.entry![0].resource as PatientResource;
    expect(patient.identifier[0]).toMatchObject({ system: MRN, value: record.localId });
    expect(patient.identifier).toContainEqual(expect.objectContaining({ system: NHS, value: record.nhsNumber }));
  });

  it("finds a patient by the hospital's own spelling of their demographics, whatever the case and accents", async () => {
    const record = primaryRecords()[17];
    const family = record.family.toUpperCase();
    const search = await get(`/acute/Patient?family=${encodeURIComponent(family)}&birthdate=${record.birthDate}`);
    expect(search.body.entry!.map((entry) => entry.resource.id)).toContain(record.localId);
    for (const entry of search.body.entry!) expect((entry.resource as PatientResource).birthDate).toBe(record.birthDate);

    const prefix = record.given.slice(0, 3).toLowerCase();
    const byPostcode = await get(
      `/acute/Patient?given=${encodeURIComponent(prefix)}&address-postalcode=${encodeURIComponent(record.address.postcode.replace(' ', '').toLowerCase())}`,
    );
    expect(byPostcode.body.entry!.map((entry) => entry.resource.id)).toContain(record.localId);

    const wrongGender = await get(
      `/acute/Patient?family=${encodeURIComponent(record.family)}&birthdate=${record.birthDate}&gender=${record.sex === 'male' ? 'female' : 'male'}`,
    );
    expect((wrongGender.body.entry ?? []).map((entry) => entry.resource.id)).not.toContain(record.localId);
  });

  it('serves the record as the hospital holds it, errors and all, not the national truth', async () => {
    const record = records.find((candidate) =>
      candidate.errors.some((error) => ['typo-family', 'maiden-name', 'nickname', 'typo-given'].includes(error)),
    )!;
    const { body } = await get<PatientResource>(`/acute/Patient/${record.localId}`);
    expect(body.name[0].family).toBe(record.family);
    expect(body.name[0].given[0]).toBe(record.given);
    expect(JSON.stringify(body)).not.toContain(record.personId);
  });

  it('pages through a large search with next links, returning every patient exactly once', async () => {
    const { total, ids, pages } = await allPages('/acute/Patient?gender=female&_count=37');
    const expected = records.filter((record) => record.sex === 'female').length;
    expect(total).toBe(expected);
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    expect(pages).toBe(Math.ceil(expected / 37));
  });

  it('refuses a search parameter it does not support, naming it, and an unknown patient with 404', async () => {
    const unknownParameter = await get<Outcome>('/acute/Patient?family=Smith&nickname=Bob');
    expect(unknownParameter.status).toBe(400);
    expect(unknownParameter.body.resourceType).toBe('OperationOutcome');
    expect(unknownParameter.body.issue[0].diagnostics).toContain('"nickname"');

    const badDate = await get<Outcome>('/acute/Patient?birthdate=03/02/1950');
    expect(badDate.status).toBe(400);
    expect(badDate.body.issue[0].diagnostics).toContain('birthdate');

    const unknownPatient = await get<Outcome>('/acute/Patient/99999999');
    expect(unknownPatient.status).toBe(404);
    expect(unknownPatient.body.resourceType).toBe('OperationOutcome');

    const unknownPatientsRecord = await get<Outcome>('/acute/Observation?patient=99999999');
    expect(unknownPatientsRecord.status).toBe(404);

    const noPatient = await get<Outcome>('/acute/Observation?code=75367002');
    expect(noPatient.status).toBe(400);
    expect(noPatient.body.issue[0].diagnostics).toContain('patient');

    const unknownType = await get<Outcome>('/acute/Practitioner');
    expect(unknownType.status).toBe(404);
  });
});

describe("a patient's hospital record", () => {
  it('shows an admission with its discharge: an inpatient encounter that ended, with where the patient went', async () => {
    const admitted: EncounterResource[] = [];
    for (const record of primaryRecords()) {
      const { body } = await get(`/acute/Encounter?patient=${record.localId}&class=IMP`);
      admitted.push(...(body.entry ?? []).map((entry) => entry.resource as unknown as EncounterResource));
      if (admitted.length >= 10) break;
    }
    expect(admitted.length).toBeGreaterThan(0);
    for (const encounter of admitted) {
      expect(encounter.class.code).toBe('IMP');
      expect(encounter.status).toBe('finished');
      expect(Date.parse(encounter.period.end!)).toBeGreaterThanOrEqual(Date.parse(encounter.period.start));
      expect(encounter.hospitalization?.dischargeDisposition?.coding[0].display).toMatch(/discharge|deceased/i);
    }
  });

  it('filters observations by category, code and a date range, and pages them', async () => {
    const record = primaryRecords().find(
      (candidate) => (sandbox.context.histories.forSystem(candidate.personId, 'acute')?.observations.length ?? 0) >= 8,
    )!;
    const observations = sandbox.context.histories.forSystem(record.personId, 'acute')!.observations;
    const all = await allPages(`/acute/Observation?patient=${record.localId}&_count=3`);
    expect(all.total).toBe(observations.length);
    expect(new Set(all.ids).size).toBe(observations.length);

    const vitals = await get(`/acute/Observation?subject=Patient/${record.localId}&category=vital-signs`);
    expect(vitals.body.total).toBe(observations.filter((item) => item.category === 'vital-signs').length);

    const pressures = await get(`/acute/Observation?patient=${record.localId}&code=${encodeURIComponent(`${SNOMED}|75367002`)}`);
    const expectedPressures = observations.filter((item) => item.code.code === '75367002');
    expect(pressures.body.total).toBe(expectedPressures.length);
    for (const entry of pressures.body.entry ?? []) expect((entry.resource.component as unknown[]).length).toBe(2);

    const day = expectedPressures[0]?.effective.slice(0, 10) ?? observations[0].effective.slice(0, 10);
    const onDay = await get(`/acute/Observation?patient=${record.localId}&date=ge${day}&date=le${day}`);
    expect(onDay.body.total).toBe(observations.filter((item) => item.effective.slice(0, 10) === day).length);
    expect(onDay.body.total).toBeGreaterThan(0);
  });

  it('gives a duplicate registration no clinical record of its own', async () => {
    const duplicate = records.find(
      (record) => record.duplicateOf && (sandbox.context.histories.forSystem(record.personId, 'acute')?.encounters.length ?? 0) > 0,
    );
    expect(duplicate).toBeDefined();
    const original = await get(`/acute/Encounter?patient=${duplicate!.duplicateOf}`);
    expect(original.body.total).toBeGreaterThan(0);
    const { status, body } = await get(`/acute/Encounter?patient=${duplicate!.localId}`);
    expect(status).toBe(200);
    expect(body.total).toBe(0);
  });
});

describe('recording in the hospital record', () => {
  it('stores a posted observation and finds it in later searches and reads', async () => {
    const record = primaryRecords()[5];
    const before = await get(`/acute/Observation?patient=${record.localId}&code=75367002`);
    const response = await post('/acute/Observation', bloodPressure(record.localId));
    expect(response.status).toBe(201);
    const stored = (await response.json()) as Resource & { component: Array<{ valueQuantity: { value: number; code: string } }> };
    expect(stored.id).toBeTruthy();
    expect(response.headers.get('location')).toBe(`${sandbox.url}/acute/Observation/${stored.id}/_history/1`);
    expect(stored.component.map((component) => component.valueQuantity.value)).toEqual([152, 91]);
    expect(stored.component[0].valueQuantity.code).toBe('mm[Hg]');

    const after = await get(`/acute/Observation?patient=${record.localId}&code=75367002`);
    expect(after.body.total).toBe(before.body.total + 1);
    expect(after.body.entry!.map((entry) => entry.resource.id)).toContain(stored.id);
    const read = await get<Resource>(`/acute/Observation/${stored.id}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(stored.id);
  });

  it('stores a posted diagnosis coded in SNOMED CT', async () => {
    const record = primaryRecords()[6];
    const response = await post('/acute/Condition', {
      resourceType: 'Condition',
      code: { coding: [{ system: SNOMED, code: '195967001', display: 'Asthma' }] },
      subject: { reference: `Patient/${record.localId}` },
      onsetDateTime: '2026-02-27',
    });
    expect(response.status).toBe(201);
    const stored = (await response.json()) as Resource;
    const search = await get(`/acute/Condition?patient=${record.localId}&code=195967001`);
    expect(search.body.entry!.map((entry) => entry.resource.id)).toContain(stored.id);
  });

  it('refuses a bad observation with a precise OperationOutcome and stores nothing', async () => {
    const record = primaryRecords()[7];
    const count = async () => (await get(`/acute/Observation?patient=${record.localId}`)).body.total;
    const before = await count();

    const noUnit = bloodPressure(record.localId);
    delete noUnit.component;
    noUnit.valueQuantity = { value: 120 };
    const cases: Array<[unknown, number, RegExp]> = [
      [{ ...bloodPressure(record.localId), resourceType: 'Condition' }, 400, /resourceType must be "Observation"/],
      [{ ...bloodPressure(record.localId), code: { text: 'blood pressure' } }, 400, /Observation\.code\.coding/],
      [{ ...bloodPressure(record.localId), status: undefined }, 400, /Observation\.status is required/],
      [noUnit, 400, /unit/],
      [{ ...bloodPressure(record.localId), subject: { reference: 'Patient/99999999' } }, 422, /not a patient of this trust/],
      [{ ...bloodPressure(record.localId), valueString: 'high' }, 422, /valueString/],
    ];
    for (const [body, status, message] of cases) {
      const response = await post('/acute/Observation', body);
      expect(response.status).toBe(status);
      const outcome = (await response.json()) as Outcome;
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].diagnostics).toMatch(message);
    }
    const notJson = await fetch(`${sandbox.url}/acute/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'BP 120/80',
    });
    expect(notJson.status).toBe(415);
    expect(await count()).toBe(before);
  });

  it('refuses creates of types the hospital does not take', async () => {
    const response = await post('/acute/AllergyIntolerance', { resourceType: 'AllergyIntolerance' });
    expect(response.status).toBe(405);
    expect(((await response.json()) as Outcome).resourceType).toBe('OperationOutcome');
  });
});
