import { generatePopulation } from '../../population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';
import { r4Errors } from '../../../../test/setup/r4-validation.js';

// Listing a trust's patients by change time, as a hub syncing the trust does: _lastUpdated with
// _sort=_lastUpdated, page by page through next links, then again from the latest time it read.

type Resource = { resourceType: string; id: string; meta: { lastUpdated: string }; [key: string]: unknown };
type Bundle = {
  resourceType: 'Bundle';
  total: number;
  link: Array<{ relation: string; url: string }>;
  entry?: Array<{ resource: Resource }>;
};

const SNOMED = 'http://snomed.info/sct';
const TYPES = {
  acute: ['AllergyIntolerance', 'MedicationRequest', 'Condition', 'Observation', 'DiagnosticReport', 'Encounter', 'Appointment'],
  'mental-health': [
    'AllergyIntolerance',
    'MedicationRequest',
    'Condition',
    'Observation',
    'DiagnosticReport',
    'Encounter',
    'Appointment',
    'CarePlan',
  ],
};

let sandbox: RunningSandbox;

beforeAll(async () => {
  // A reference date in the past: everything the population recorded is older than what happens now.
  sandbox = await startSandbox({
    population: generatePopulation({ seed: 42, size: 300, referenceDate: '2026-03-02' }),
    host: '127.0.0.1',
    port: 0,
  });
});
afterAll(() => sandbox.stop());

async function get<T = Bundle>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url.startsWith('http') ? url : `${sandbox.url}${url}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** Every page of a search, following next links; the resources in the order served. */
async function pages(url: string): Promise<{ resources: Resource[]; pages: number; total: number }> {
  const resources: Resource[] = [];
  let next: string | undefined = url;
  let count = 0;
  let total = -1;
  while (next) {
    const { status, body }: { status: number; body: Bundle } = await get(next);
    expect(status).toBe(200);
    if (total < 0) total = body.total;
    resources.push(...(body.entry ?? []).map((entry) => entry.resource));
    next = body.link.find((link) => link.relation === 'next')?.url;
    count += 1;
  }
  return { resources, pages: count, total };
}

const time = (resource: Resource) => Date.parse(resource.meta.lastUpdated);

async function maxLastUpdated(system: string): Promise<Resource> {
  const { body } = await get(`/${system}/Patient?_sort=-_lastUpdated&_count=1`);
  return body.entry![0]!.resource;
}

async function createObservation(patientId: string): Promise<void> {
  const response = await fetch(`${sandbox.url}/acute/Observation`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: SNOMED, code: '27113001', display: 'Body weight' }] },
      subject: { reference: `Patient/${patientId}` },
      valueQuantity: { value: 71.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    }),
  });
  expect(response.status).toBe(201);
}

describe.each(['acute', 'mental-health'] as const)('/%s Patient by _lastUpdated', (system) => {
  it('offers _lastUpdated and _sort on Patient in its CapabilityStatement', async () => {
    const { body } = await get<{ rest: Array<{ resource: Array<{ type: string; searchParam: Array<{ name: string; type: string }> }> }> }>(
      `/${system}/metadata`,
    );
    const patient = body.rest[0]!.resource.find((resource) => resource.type === 'Patient')!;
    expect(patient.searchParam).toEqual(
      expect.arrayContaining([
        { name: '_lastUpdated', type: 'date', documentation: expect.any(String) },
        { name: '_sort', type: 'string', documentation: expect.any(String) },
      ]),
    );
  });

  it('pages through every patient exactly once, oldest change first, ties in id order, as valid R4', async () => {
    const everyone = (await get(`/${system}/Patient?_count=1000`)).body;
    // Pages of 7 cut through runs of patients sharing a day.
    const listed = await pages(`/${system}/Patient?_lastUpdated=gt1900-01-01&_sort=_lastUpdated&_count=7`);
    expect(listed.total).toBe(everyone.total);
    expect(listed.pages).toBe(Math.ceil(everyone.total / 7));
    const ids = listed.resources.map((patient) => patient.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(everyone.entry!.map((entry) => entry.resource.id).sort());
    for (let index = 1; index < listed.resources.length; index += 1) {
      const [previous, current] = [listed.resources[index - 1]!, listed.resources[index]!];
      expect(time(previous) < time(current) || (time(previous) === time(current) && previous.id < current.id)).toBe(true);
    }
    // The hospital has runs of equal times, so the tie-break above was exercised.
    if (system === 'acute') expect(new Set(listed.resources.map(time)).size).toBeLessThan(listed.resources.length);
    const first = (await get(`/${system}/Patient?_lastUpdated=gt1900-01-01&_sort=_lastUpdated&_count=7`)).body;
    expect(r4Errors(first as unknown as Resource)).toEqual([]);
    for (const patient of listed.resources.slice(0, 30)) expect(r4Errors(patient)).toEqual([]);

    const descending = await pages(`/${system}/Patient?_sort=-_lastUpdated&_count=11`);
    expect(descending.resources.map((patient) => patient.id)).toEqual([...ids].reverse());
  });

  it("dates each patient by the latest of the trust's own items for it", async () => {
    const { body } = await get(`/${system}/Patient?_sort=-_lastUpdated&_count=40`);
    let checked = 0;
    for (const { resource: patient } of body.entry!) {
      const items: Resource[] = [];
      for (const type of TYPES[system]) items.push(...(await pages(`/${system}/${type}?patient=${patient.id}&_count=1000`)).resources);
      if (items.length === 0) continue;
      expect(time(patient)).toBe(Math.max(...items.map(time)));
      checked += 1;
    }
    expect(checked).toBeGreaterThan(body.entry!.length / 2);
  });

  it('splits the register exactly with gt/le, ge/lt and date ranges', async () => {
    const all = await pages(`/${system}/Patient?_sort=_lastUpdated&_count=1000`);
    const middle = all.resources[Math.floor(all.resources.length / 2)]!.meta.lastUpdated;
    const count = async (query: string) => (await get(`/${system}/Patient?${query}&_count=0`)).body.total;
    const [gt, le, ge, lt] = await Promise.all(
      ['gt', 'le', 'ge', 'lt'].map((prefix) => count(`_lastUpdated=${prefix}${encodeURIComponent(middle)}`)),
    );
    expect(gt + le).toBe(all.total);
    expect(ge + lt).toBe(all.total);
    expect(gt).toBe(all.resources.filter((patient) => time(patient) > Date.parse(middle)).length);
    expect(ge - gt).toBe(all.resources.filter((patient) => time(patient) === Date.parse(middle)).length);

    const month = middle.slice(0, 7);
    const inMonth = all.resources.filter((patient) => patient.meta.lastUpdated.startsWith(month));
    const found = await pages(`/${system}/Patient?_lastUpdated=${month}&_count=1000`);
    expect(found.resources.map((patient) => patient.id).sort()).toEqual(inMonth.map((patient) => patient.id).sort());
    const [from, to] = [`${month}-01`, `${month}-15`];
    const between = await count(`_lastUpdated=ge${from}&_lastUpdated=lt${to}`);
    expect(between).toBe(
      all.resources.filter((patient) => patient.meta.lastUpdated.slice(0, 10) >= from && patient.meta.lastUpdated.slice(0, 10) < to).length,
    );
  });

  it('combines _lastUpdated with other criteria, in lastUpdated order', async () => {
    const all = await pages(`/${system}/Patient?_sort=_lastUpdated&_count=1000`);
    const women = all.resources.filter((patient) => patient.gender === 'female');
    const found = await pages(`/${system}/Patient?gender=female&_sort=_lastUpdated&_count=5`);
    expect(found.resources.map((patient) => patient.id)).toEqual(women.map((patient) => patient.id));
  });

  it('refuses what it cannot answer with a 400 OperationOutcome naming the problem', async () => {
    for (const [query, text] of [
      ['_lastUpdated=ne2026-01-01', 'prefix "ne"'],
      ['_lastUpdated=yesterday', 'not a valid _lastUpdated'],
      ['_lastUpdated=gt2026-01-01,lt2026-02-01', 'one value per _lastUpdated'],
      ['_sort=family', '_sort "family"'],
      ['_page_token=nonsense', '_page_token'],
    ]) {
      const { status, body } = await get<{ resourceType: string; issue: Array<{ diagnostics: string }> }>(`/${system}/Patient?${query}`);
      expect(status).toBe(400);
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0]!.diagnostics).toContain(text);
    }
  });
});

describe('/acute changes while the sandbox runs', () => {
  it('moves a patient past every other when an Observation is created for them', async () => {
    const before = await maxLastUpdated('acute');
    const { body } = await get('/acute/Patient?_sort=_lastUpdated&_count=1');
    const patient = body.entry![0]!.resource;
    expect(patient.id).not.toBe(before.id);
    await createObservation(patient.id);

    const changed = await pages(`/acute/Patient?_lastUpdated=gt${encodeURIComponent(before.meta.lastUpdated)}&_sort=_lastUpdated`);
    expect(changed.resources.map((resource) => resource.id)).toEqual([patient.id]);
    expect(time(changed.resources[0]!)).toBeGreaterThan(time(before));
    expect((await get<Resource>(`/acute/Patient/${patient.id}`)).body.meta.lastUpdated).toBe(changed.resources[0]!.meta.lastUpdated);
    expect((await maxLastUpdated('acute')).id).toBe(patient.id);
  });

  it('moves a patient when a live event adds a result or a discharge closes an admission', async () => {
    const events = async (body: object) => {
      const response = await fetch(`${sandbox.url}/sandbox/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { event: { personId: string } };
    };
    const { body } = await get('/acute/Patient?_sort=_lastUpdated&_count=5');
    const patient = body.entry![4]!.resource;
    const mrn = patient.id;

    for (const type of ['result', 'admission', 'discharge']) {
      const before = await maxLastUpdated('acute');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await events({ type, mrn });
      const changed = await pages(`/acute/Patient?_lastUpdated=gt${encodeURIComponent(before.meta.lastUpdated)}`);
      expect(changed.resources.map((resource) => resource.id)).toEqual([mrn]);
    }
  });

  it('still lists every patient once when one already read changes while a client pages', async () => {
    const all = (await get('/acute/Patient?_count=0')).body.total;
    const first = (await get('/acute/Patient?_lastUpdated=gt1900&_sort=_lastUpdated&_count=10')).body;
    const seen = first.entry!.map((entry) => entry.resource.id);
    // One the client has read changes: it moves to the end, and nobody unread slips back a page.
    await createObservation(seen[3]!);
    const rest = await pages(first.link.find((link) => link.relation === 'next')!.url);
    const ids = [...seen, ...rest.resources.map((patient) => patient.id)];
    expect(new Set(ids).size).toBe(all);
    expect(ids).toHaveLength(all + 1);
    expect(ids.at(-1)).toBe(seen[3]);
  });
});
