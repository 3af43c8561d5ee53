import { readFileSync } from 'node:fs';
import path from 'node:path';

import { generatePopulation } from '../../population/generate-population.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/gp-connect');
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const DAY_MS = 86_400_000;

interface Json {
  [key: string]: unknown;
}

interface FhirResource extends Json {
  resourceType: string;
  id?: string;
  meta?: { profile?: string[]; versionId?: string };
}

interface Searchset extends FhirResource {
  type: string;
  total?: number;
  entry?: Array<{ fullUrl?: string; resource: FhirResource; search?: { mode: string } }>;
}

interface SlotResource extends FhirResource {
  status: string;
  start: string;
  end: string;
  schedule: { reference: string };
}

let sandbox: RunningSandbox;
/** Living primary registrations with a unique NHS number, grouped by practice. */
let registrations: SystemRecord[];
let practice: string;
let patientsHere: SystemRecord[];

beforeAll(async () => {
  const population = generatePopulation({ seed: 20_250_302, size: 400, referenceDate: '2025-06-01' });
  sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  const gp = sandbox.context.directories.gp;
  registrations = gp.records.filter(
    (record) => record.nhsNumber && !record.duplicateOf && !record.deathDate && gp.byNhsNumber.get(record.nhsNumber)?.length === 1,
  );
  practice = registrations[0]!.organisationCode;
  patientsHere = registrations.filter((record) => record.organisationCode === practice);
});

afterAll(async () => {
  await sandbox?.stop();
});

function fixture<T = Json>(file: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as T;
}

function base(ods = practice): string {
  return `${sandbox.url}/gp/${ods}/STU3/1/gpconnect/fhir`;
}

async function call<T = Json>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/fhir+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

function spineCode(outcome: Json): string | undefined {
  const issue = (outcome.issue as Array<{ details?: { coding?: Array<{ system: string; code: string }> } }> | undefined)?.[0];
  const coding = issue?.details?.coding?.[0];
  return coding?.system === 'https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1' ? coding.code : undefined;
}

/** A working week starting at least a week from now (the clock, not the population's date: slots in the past are never free). */
function nextWeek(weeksAhead = 1): { monday: string; friday: string } {
  const today = Math.floor(sandbox.context.now().getTime() / DAY_MS) * DAY_MS;
  const daysToMonday = (8 - new Date(today).getUTCDay()) % 7 || 7;
  const monday = today + (daysToMonday + 7 * (weeksAhead - 1)) * DAY_MS;
  const iso = (time: number) => new Date(time).toISOString().slice(0, 10);
  return { monday: iso(monday), friday: iso(monday + 4 * DAY_MS) };
}

const FULL_INCLUDES =
  '_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner&_include:recurse=Schedule:actor:Location&_include:recurse=Location:managingOrganization';

async function freeSlots(from: string, to: string, ods = practice): Promise<Searchset> {
  const { status, body } = await call<Searchset>('GET', `${base(ods)}/Slot?start=ge${from}&end=le${to}&status=free&${FULL_INCLUDES}`);
  expect(status).toBe(200);
  return body;
}

function slotsIn(bundle: Searchset): SlotResource[] {
  return (bundle.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource): resource is SlotResource => resource.resourceType === 'Slot');
}

/** A booking shaped like the GP Connect example, for a slot and a patient. */
function bookingFor(slot: SlotResource, patientId: string): Json {
  const example = fixture('appointments/book_appt_request_example.json');
  return {
    ...example,
    start: slot.start,
    end: slot.end,
    slot: [{ reference: `Slot/${slot.id}` }],
    participant: [
      { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
      { actor: { reference: `Location/${practice}-main` }, status: 'accepted' },
    ],
  };
}

function profilesByType(resources: FhirResource[]): Record<string, string[]> {
  const map: Record<string, Set<string>> = {};
  for (const resource of resources)
    for (const profile of resource.meta?.profile ?? []) (map[resource.resourceType] ??= new Set()).add(profile);
  return Object.fromEntries(Object.entries(map).map(([type, profiles]) => [type, [...profiles].sort()]));
}

describe('GP Connect foundations', () => {
  it('describes itself with a CapabilityStatement like the example', async () => {
    const { status, body } = await call<FhirResource>('GET', `${base()}/metadata`);
    expect(status).toBe(200);
    const example = fixture<FhirResource>('foundations/get_capability_statement_response_example.json');
    expect(body.resourceType).toBe(example.resourceType);
    expect(body.fhirVersion).toBe(example.fhirVersion);
    const rest = (body.rest as Array<{ resource: Array<{ type: string }>; operation: Array<{ name: string }> }>)[0]!;
    expect(rest.resource.map((resource) => resource.type)).toEqual(expect.arrayContaining(['Patient', 'Appointment', 'Slot']));
    expect(rest.operation.map((operation) => operation.name)).toContain('gpc.getstructuredrecord');
  });

  it('finds a patient by NHS number, shaped like the example, with the logical id appointments use', async () => {
    const record = patientsHere[0]!;
    const { status, body } = await call<Searchset>(
      'GET',
      `${base()}/Patient?identifier=${encodeURIComponent(`${NHS}|${record.nhsNumber}`)}`,
    );
    expect(status).toBe(200);
    const example = fixture<Searchset>('foundations/find_patient_response_example.json');
    expect({ resourceType: body.resourceType, type: body.type }).toEqual({ resourceType: example.resourceType, type: example.type });
    expect(body.entry).toHaveLength(1);
    const patient = body.entry![0]!.resource;
    const examplePatient = example.entry![0]!.resource;
    expect(patient.id).toBe(record.localId);
    expect(patient.meta?.profile).toEqual(examplePatient.meta?.profile);
    const identifier = (patient.identifier as Json[])[0]!;
    expect(identifier).toEqual({ ...(examplePatient.identifier as Json[])[0], value: record.nhsNumber });

    const read = await call<FhirResource>('GET', `${base()}/Patient/${record.localId}`);
    expect(read.body).toEqual(patient);
  });

  it('answers a search for an unknown NHS number with an empty searchset and refuses bad identifiers', async () => {
    const record = patientsHere[0]!;
    const elsewhere = registrations.find((candidate) => candidate.organisationCode !== practice)!;
    const notHere = await call<Searchset>('GET', `${base()}/Patient?identifier=${encodeURIComponent(`${NHS}|${elsewhere.nhsNumber}`)}`);
    expect({ status: notHere.status, total: notHere.body.total, entries: notHere.body.entry?.length ?? 0 }).toEqual({
      status: 200,
      total: 0,
      entries: 0,
    });

    const badNumber = await call<Json>('GET', `${base()}/Patient?identifier=${encodeURIComponent(`${NHS}|1234567890`)}`);
    expect({ status: badNumber.status, code: spineCode(badNumber.body) }).toEqual({ status: 400, code: 'INVALID_NHS_NUMBER' });
    const badSystem = await call<Json>(
      'GET',
      `${base()}/Patient?identifier=${encodeURIComponent(`https://example.org/mrn|${record.nhsNumber}`)}`,
    );
    expect({ status: badSystem.status, code: spineCode(badSystem.body) }).toEqual({ status: 400, code: 'INVALID_IDENTIFIER_SYSTEM' });
    const unknownPatient = await call<Json>('GET', `${base()}/Patient/${elsewhere.localId}`);
    expect({ status: unknownPatient.status, code: spineCode(unknownPatient.body) }).toEqual({ status: 404, code: 'PATIENT_NOT_FOUND' });
  });

  it('answers paths it does not serve with 501 NOT_IMPLEMENTED', async () => {
    const { status, body } = await call<Json>('GET', `${base()}/Practitioner?identifier=x`);
    expect({ status, code: spineCode(body) }).toEqual({ status: 501, code: 'NOT_IMPLEMENTED' });
  });
});

describe('GP Connect appointment management', () => {
  it('lists free slots like the example: weekdays, 15 minutes, 08:30 to 18:00, with their schedules', async () => {
    const { monday, friday } = nextWeek();
    const bundle = await freeSlots(monday, friday);
    const example = fixture<Searchset>('appointments/search_for_free_slots_response_example.json');
    expect({ resourceType: bundle.resourceType, type: bundle.type }).toEqual({ resourceType: example.resourceType, type: example.type });
    const resources = bundle.entry!.map((entry) => entry.resource);
    expect(profilesByType(resources)).toEqual(profilesByType(example.entry!.map((entry) => entry.resource)));

    const slots = slotsIn(bundle);
    expect(slots.length).toBeGreaterThan(20);
    // Some slots are already taken: fewer are free than a week of two sessions holds.
    expect(slots.length).toBeLessThan(5 * 2 * 38);
    const present = new Set(resources.map((resource) => `${resource.resourceType}/${resource.id}`));
    for (const slot of slots) {
      expect(slot.status).toBe('free');
      expect(present.has(slot.schedule.reference)).toBe(true);
      expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(15 * 60_000);
      const local = slot.start.slice(11, 16);
      expect(local >= '08:30' && local <= '17:45').toBe(true);
      expect(slot.start.slice(0, 10) >= monday && slot.start.slice(0, 10) <= friday).toBe(true);
      expect([0, 6]).not.toContain(new Date(`${slot.start.slice(0, 10)}T12:00:00Z`).getUTCDay());
    }
    for (const schedule of resources.filter((resource) => resource.resourceType === 'Schedule')) {
      for (const actor of schedule.actor as Array<{ reference: string }>) expect(present.has(actor.reference)).toBe(true);
    }
    // The book is generated, not drawn afresh: the same search finds the same slots.
    expect(slotsIn(await freeSlots(monday, friday)).map((slot) => slot.id)).toEqual(slots.map((slot) => slot.id));
  });

  it('refuses a slot search that is too wide or not for free slots', async () => {
    const { monday } = nextWeek();
    const tooWide = new Date(Date.parse(monday) + 20 * DAY_MS).toISOString().slice(0, 10);
    const wide = await call<Json>('GET', `${base()}/Slot?start=ge${monday}&end=le${tooWide}&status=free&_include=Slot:schedule`);
    expect({ status: wide.status, code: spineCode(wide.body) }).toEqual({ status: 422, code: 'INVALID_PARAMETER' });
    const noStatus = await call<Json>('GET', `${base()}/Slot?start=ge${monday}&end=le${monday}`);
    expect({ status: noStatus.status, code: spineCode(noStatus.body) }).toEqual({ status: 422, code: 'INVALID_PARAMETER' });
  });

  it('books a free slot, which stops being free; cancelling frees it again', async () => {
    const { monday, friday } = nextWeek(2);
    const slot = slotsIn(await freeSlots(monday, friday))[0]!;
    const patient = patientsHere[0]!;

    const booked = await call<FhirResource>('POST', `${base()}/Appointment`, bookingFor(slot, patient.localId));
    expect(booked.status).toBe(201);
    const example = fixture<FhirResource>('appointments/book_appt_response_example.json');
    expect(booked.body.meta?.profile).toEqual(example.meta?.profile);
    expect(booked.body).toEqual(
      expect.objectContaining({
        resourceType: 'Appointment',
        status: 'booked',
        start: slot.start,
        end: slot.end,
        slot: [{ reference: `Slot/${slot.id}` }],
      }),
    );
    expect(booked.headers.get('location')).toBe(`${base()}/Appointment/${booked.body.id}`);
    expect(slotsIn(await freeSlots(monday, friday)).map((free) => free.id)).not.toContain(slot.id);

    const read = await call<FhirResource>('GET', `${base()}/Appointment/${booked.body.id}`);
    expect(read.body).toEqual(booked.body);
    const mine = await call<Searchset>('GET', `${base()}/Patient/${patient.localId}/Appointment?start=ge${monday}&start=le${friday}`);
    expect(mine.body.entry!.map((entry) => entry.resource.id)).toContain(booked.body.id);

    const cancellation = {
      ...fixture('appointments/amend_appt_request_example.json'),
      ...booked.body,
      status: 'cancelled',
      extension: [
        ...(booked.body.extension as Json[]),
        {
          url: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1',
          valueString: 'Patient feels better',
        },
      ],
    };
    const cancelled = await call<FhirResource>('PUT', `${base()}/Appointment/${booked.body.id}`, cancellation);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(Number(cancelled.body.meta?.versionId)).toBeGreaterThan(Number(booked.body.meta?.versionId));
    expect(slotsIn(await freeSlots(monday, friday)).map((free) => free.id)).toContain(slot.id);

    const again = await call<FhirResource>('POST', `${base()}/Appointment`, bookingFor(slot, patientsHere[1]!.localId));
    expect(again.status).toBe(201);
  });

  it('refuses to book a slot someone has taken with 409 DUPLICATE_REJECTED', async () => {
    const { monday, friday } = nextWeek(3);
    const slot = slotsIn(await freeSlots(monday, friday))[0]!;
    const first = await call<FhirResource>('POST', `${base()}/Appointment`, bookingFor(slot, patientsHere[0]!.localId));
    expect(first.status).toBe(201);
    const second = await call<Json>('POST', `${base()}/Appointment`, bookingFor(slot, patientsHere[1]!.localId));
    expect({ status: second.status, resourceType: second.body.resourceType, code: spineCode(second.body) }).toEqual({
      status: 409,
      resourceType: 'OperationOutcome',
      code: 'DUPLICATE_REJECTED',
    });
  });

  it('amends the description of a booking but will not move it', async () => {
    const { monday, friday } = nextWeek(4);
    const slot = slotsIn(await freeSlots(monday, friday))[0]!;
    const booked = await call<FhirResource>('POST', `${base()}/Appointment`, bookingFor(slot, patientsHere[0]!.localId));
    const amended = await call<FhirResource>('PUT', `${base()}/Appointment/${booked.body.id}`, {
      ...booked.body,
      description: 'Free text description updated.',
    });
    expect(amended.status).toBe(200);
    expect(amended.body.description).toBe('Free text description updated.');
    const later = new Date(Date.parse(slot.start) + DAY_MS).toISOString();
    const moved = await call<Json>('PUT', `${base()}/Appointment/${booked.body.id}`, { ...booked.body, start: later });
    expect({ status: moved.status, code: spineCode(moved.body) }).toEqual({ status: 422, code: 'INVALID_RESOURCE' });
  });

  it("lists a patient's appointments from their GP history", async () => {
    // Patients 0 and 1 make bookings in the other tests; this one has only what the history holds.
    const withHistory = patientsHere
      .slice(2)
      .find((record) => (sandbox.context.histories.forSystem(record.personId, 'gp')?.appointments.length ?? 0) > 1);
    expect(withHistory).toBeDefined();
    const history = sandbox.context.histories
      .forSystem(withHistory!.personId, 'gp')!
      .appointments.filter((item) => item.organisationCode === practice);
    const { status, body } = await call<Searchset>('GET', `${base()}/Patient/${withHistory!.localId}/Appointment`);
    expect(status).toBe(200);
    const appointments = body.entry!.map((entry) => entry.resource);
    expect(appointments.map((appointment) => appointment.status).sort()).toEqual(history.map((item) => item.status).sort());
    expect(appointments.map((appointment) => Date.parse(appointment.start as string)).sort()).toEqual(
      history.map((item) => Date.parse(item.start)).sort(),
    );
    const example = fixture<Searchset>('appointments/retrieve_patients_appts_response_example.json');
    expect(profilesByType(appointments)).toEqual(profilesByType(example.entry!.map((entry) => entry.resource)));
    for (const appointment of appointments) {
      const read = await call<FhirResource>('GET', `${base()}/Appointment/${appointment.id}`);
      expect(read.body).toEqual(appointment);
    }
  });

  describe('refuses a booking the GP Connect way', () => {
    const cases: Array<[string, (slot: SlotResource) => Json, number, string]> = [
      [
        'a slot that does not exist',
        (slot) => ({ ...bookingFor(slot, patientsHere[0]!.localId), slot: [{ reference: 'Slot/F83999-20990101-1-0830' }] }),
        422,
        'REFERENCE_NOT_FOUND',
      ],
      [
        'times that are not the slot’s',
        (slot) => ({ ...bookingFor(slot, patientsHere[0]!.localId), end: new Date(Date.parse(slot.end) + 600_000).toISOString() }),
        422,
        'INVALID_RESOURCE',
      ],
      ['no booking organisation', (slot) => ({ ...bookingFor(slot, patientsHere[0]!.localId), extension: [] }), 422, 'INVALID_RESOURCE'],
      [
        'a patient registered at another practice',
        (slot) => bookingFor(slot, registrations.find((record) => record.organisationCode !== practice)!.localId),
        422,
        'REFERENCE_NOT_FOUND',
      ],
      ['a body that is not an Appointment', () => ({ resourceType: 'Patient' }), 422, 'INVALID_RESOURCE'],
    ];
    it.each(cases)('%s', async (_name, body, status, code) => {
      const { monday, friday } = nextWeek(5);
      const slot = slotsIn(await freeSlots(monday, friday))[0]!;
      const response = await call<Json>('POST', `${base()}/Appointment`, body(slot));
      expect({ status: response.status, code: spineCode(response.body) }).toEqual({ status, code });
      // A refused booking leaves the slot free.
      expect(slotsIn(await freeSlots(monday, friday))[0]!.id).toBe(slot.id);
    });

    it('an appointment that does not exist is 404 NO_RECORD_FOUND', async () => {
      const { status, body } = await call<Json>('GET', `${base()}/Appointment/999999`);
      expect({ status, code: spineCode(body) }).toEqual({ status: 404, code: 'NO_RECORD_FOUND' });
    });
  });
});
