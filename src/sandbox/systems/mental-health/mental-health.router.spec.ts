import { generatePopulation } from '../../population/generate-population.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';

// The mental health and community trust's FHIR R4 API over HTTP: RiO-style client ids first, NHS
// numbers for most people but not all, and crisis plans a clinician elsewhere needs to see.

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const RIO = 'https://fhir.sandbox.tessera.example/mental-health/rio-id';

interface Resource {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}
interface Bundle {
  total: number;
  link: Array<{ relation: string; url: string }>;
  entry?: Array<{ fullUrl: string; resource: Resource }>;
}
interface PatientResource extends Resource {
  identifier: Array<{ system: string; value: string; extension?: unknown[] }>;
}
interface CarePlanResource extends Resource {
  status: string;
  title: string;
  category: Array<{ coding: Array<{ system: string; code: string; display: string }> }>;
  addresses?: Array<{ reference: string }>;
  activity?: Array<{ detail: { description: string } }>;
}
interface Outcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ diagnostics: string }>;
}

let sandbox: RunningSandbox;
let records: SystemRecord[];

beforeAll(async () => {
  // Enough people for the trust's caseload to include some without an NHS number (about 12%).
  const population = generatePopulation({ seed: 2024, size: 2_500, referenceDate: '2026-03-02' });
  sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  records = sandbox.context.directories['mental-health'].records;
});

afterAll(async () => {
  await sandbox?.stop();
});

async function get<T = Bundle>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(path.startsWith('http') ? path : `${sandbox.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

describe('mental health patients', () => {
  it('lists the RiO client id first, and the NHS number only where the trust has one', async () => {
    const withoutNhsNumber = records.filter((record) => !record.nhsNumber);
    expect(withoutNhsNumber.length).toBeGreaterThan(0);
    expect(withoutNhsNumber.length).toBeLessThan(records.length / 2);
    for (const record of records.slice(0, 40).concat(withoutNhsNumber)) {
      const { status, body } = await get<PatientResource>(`/mental-health/Patient/${record.localId}`);
      expect(status).toBe(200);
      expect(body.identifier[0]).toMatchObject({ system: RIO, value: record.localId });
      const nhs = body.identifier.filter((identifier) => identifier.system === NHS);
      if (record.nhsNumber) {
        expect(nhs).toHaveLength(1);
        expect(nhs[0].value).toBe(record.nhsNumber);
        expect(nhs[0].extension).toHaveLength(1);
      } else {
        expect(nhs).toHaveLength(0);
      }
    }
  });

  it('finds a patient by NHS number, and one without an NHS number by RiO id or demographics', async () => {
    const withNumber = records.find((record) => record.nhsNumber && !record.duplicateOf)!;
    const byNhs = await get(`/mental-health/Patient?identifier=${encodeURIComponent(`${NHS}|${withNumber.nhsNumber}`)}`);
    expect(byNhs.body.entry!.map((entry) => entry.resource.id)).toContain(withNumber.localId);

    const withoutNumber = records.find((record) => !record.nhsNumber)!;
    const byRio = await get(`/mental-health/Patient?identifier=${encodeURIComponent(`${RIO}|${withoutNumber.localId}`)}`);
    expect(byRio.body.total).toBe(1);
    const byDemographics = await get(
      `/mental-health/Patient?family=${encodeURIComponent(withoutNumber.family)}&given=${encodeURIComponent(withoutNumber.given)}&birthdate=${withoutNumber.birthDate}`,
    );
    expect(byDemographics.body.entry!.map((entry) => entry.resource.id)).toContain(withoutNumber.localId);
    const byUnknownNumber = await get(`/mental-health/Patient?identifier=${encodeURIComponent(`${NHS}|9999999999`)}`);
    expect(byUnknownNumber.body.total).toBe(0);
  });
});

describe('mental health care plans', () => {
  it('serves crisis plans that say what helps and which conditions they address', async () => {
    const plans: CarePlanResource[] = [];
    for (const record of records.filter((candidate) => !candidate.duplicateOf)) {
      const { body } = await get(`/mental-health/CarePlan?patient=${record.localId}&category=mental-health-crisis`);
      plans.push(...(body.entry ?? []).map((entry) => entry.resource as unknown as CarePlanResource));
    }
    const expected = records
      .filter((record) => !record.duplicateOf)
      .flatMap((record) => sandbox.context.histories.forSystem(record.personId, 'mental-health')?.carePlans ?? [])
      .filter((plan) => plan.category === 'mental-health-crisis');
    expect(plans).toHaveLength(expected.length);
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      expect(plan.category[0].coding.map((coding) => coding.display)).toContain('Mental health crisis plan');
      expect(plan.activity!.length).toBeGreaterThan(0);
      for (const reference of plan.addresses ?? []) {
        const condition = await get<Resource>(`/mental-health/${reference.reference}`);
        expect(condition.status).toBe(200);
        expect(condition.body.resourceType).toBe('Condition');
      }
    }
    const active = plans.filter((plan) => plan.status === 'active');
    expect(active.length).toBeGreaterThan(0);
  });

  it('keeps each item to the trust that holds it: no hospital encounters here', async () => {
    const record = records.find(
      (candidate) =>
        !candidate.duplicateOf && (sandbox.context.histories.forSystem(candidate.personId, 'acute')?.encounters.length ?? 0) > 0,
    )!;
    const { body } = await get(`/mental-health/Encounter?patient=${record.localId}&class=EMER,IMP`);
    expect(body.total).toBe(0);
    const own = await get(`/mental-health/Encounter?patient=${record.localId}`);
    expect(own.body.total).toBe(sandbox.context.histories.forSystem(record.personId, 'mental-health')!.encounters.length);
  });
});

describe('what the trust refuses', () => {
  it('takes no writes, unknown parameters or unknown patients', async () => {
    const record = records[0];
    const write = await fetch(`${sandbox.url}/mental-health/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${record.localId}` } }),
    });
    expect(write.status).toBe(405);

    const unknownParameter = await get<Outcome>(`/mental-health/CarePlan?patient=${record.localId}&team=crisis`);
    expect(unknownParameter.status).toBe(400);
    expect(unknownParameter.body.issue[0].diagnostics).toContain('"team"');

    const unknownPatient = await get<Outcome>('/mental-health/CarePlan?patient=1');
    expect(unknownPatient.status).toBe(404);
    expect(unknownPatient.body.resourceType).toBe('OperationOutcome');
  });
});
