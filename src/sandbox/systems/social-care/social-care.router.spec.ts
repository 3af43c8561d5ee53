import { generatePopulation } from '../../population/generate-population.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';

const REFERENCE_DATE = '2025-06-01';

interface Client {
  clientId: string;
  careFirstId: string | null;
  forename: string;
  surname: string;
  dateOfBirth: string;
  gender: string;
  nhsNumber: string | null;
  address: string;
}

interface ErrorBody {
  error: { code: string; message: string };
}

interface ClientItems {
  clientId: string;
  assessments: Array<{ typeCode: string; completedDate: string }>;
  packages: Array<Record<string, unknown>>;
  worker: Record<string, unknown> | null;
}

interface ChangesPage {
  totalCount: number;
  changes: Array<{ clientId: string; lastUpdated: string }>;
}

interface ClientPage {
  totalCount: number;
  page: number;
  pageSize: number;
  clients: Client[];
}

async function get<T = ErrorBody>(sandbox: RunningSandbox, pathAndQuery: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.url}/social-care/api/v1/${pathAndQuery}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** Every client, page by page, as a consumer syncing the whole caseload would read them. */
async function allClients(sandbox: RunningSandbox, pageSize: number): Promise<{ clients: Client[]; totalCount: number }> {
  const clients: Client[] = [];
  for (let page = 1; ; page++) {
    const { body } = await get<ClientPage>(sandbox, `clients?page=${page}&pageSize=${pageSize}`);
    if (body.clients.length === 0) return { clients, totalCount: body.totalCount };
    clients.push(...body.clients);
  }
}

const ukDate = (iso: string) => iso.split('-').reverse().join('/');

describe('social care client API', () => {
  let sandbox: RunningSandbox;
  let records: SystemRecord[];
  let primary: SystemRecord;

  beforeAll(async () => {
    const population = generatePopulation({ seed: 20_250_602, size: 1_000, referenceDate: REFERENCE_DATE });
    sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
    records = sandbox.context.directories['social-care'].records;
    primary = records.find((record) => !record.duplicateOf && record.nhsNumber)!;
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  it('finds a client by surname and date of birth, however the surname is typed', async () => {
    const { status, body } = await get<ClientPage>(
      sandbox,
      `clients?surname=${encodeURIComponent(primary.family.toLowerCase())}&dob=${ukDate(primary.birthDate)}`,
    );

    expect(status).toBe(200);
    expect(body.clients.map((client) => client.clientId)).toContain(primary.localId);
    for (const client of body.clients) {
      expect(client.surname).toBe(primary.family.toUpperCase());
      expect(client.dateOfBirth).toBe(ukDate(primary.birthDate));
    }
  });

  it('finds a client by NHS number written with or without spaces, and by postcode', async () => {
    const digits = primary.nhsNumber!;
    const spaced = `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
    for (const query of [
      `nhsNumber=${digits}`,
      `nhsNumber=${encodeURIComponent(spaced)}`,
      `postcode=${primary.address.postcode.replace(' ', '').toLowerCase()}`,
    ]) {
      const { body } = await get<ClientPage>(sandbox, `clients?${query}&pageSize=100`);
      expect(body.clients.map((client) => client.clientId)).toContain(primary.localId);
    }
  });

  it('writes clients its own way: surnames in capitals, DD/MM/YYYY, M/F, spaced NHS numbers, one-line addresses', async () => {
    const { clients } = await allClients(sandbox, 100);
    const byId = new Map(records.map((record) => [record.localId, record]));

    for (const client of clients) {
      const record = byId.get(client.clientId)!;
      expect(client.clientId).toMatch(/^SC-\d{6}$/);
      expect(client.surname).toBe(client.surname.toUpperCase());
      expect(client.surname).toBe(record.family.toUpperCase());
      expect(client.forename).toBe(record.given);
      expect(client.dateOfBirth).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
      expect(client.dateOfBirth).toBe(ukDate(record.birthDate));
      expect(client.gender).toBe(record.sex === 'male' ? 'M' : 'F');
      if (client.nhsNumber !== null) expect(client.nhsNumber).toMatch(/^\d{3} \d{3} \d{4}$/);
      expect(client.address).toBe(`${record.address.lines.join(', ')}, ${record.address.town} ${record.address.postcode}`);
      if (client.careFirstId !== null) expect(client.careFirstId).toMatch(/^CF\d{7}$/);
    }
  });

  it('pages through every client exactly once, with a totalCount', async () => {
    const { clients, totalCount } = await allClients(sandbox, 7);
    const ids = clients.map((client) => client.clientId);

    expect(totalCount).toBe(records.length);
    expect(ids).toHaveLength(records.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(records.map((record) => record.localId)));
  });

  it('refuses a bad query with 400 and its error shape, naming the problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['dob=1990-01-02', /dob/],
      ['dob=31/02/1990', /dob/],
      ['nhsNumber=12345', /nhsNumber/],
      [`nhsNumber=${primary.nhsNumber!.slice(0, 9)}${(Number(primary.nhsNumber![9]) + 1) % 10}`, /nhsNumber/],
      ['pageSize=101', /pageSize/],
      ['page=0', /page/],
      ['postcode=nowhere', /postcode/],
      ['surname=SMITH&surname=JONES', /surname/],
      ['shoeSize=9', /shoeSize/],
    ];
    for (const [query, mentions] of cases) {
      const { status, body } = await get(sandbox, `clients?${query}`);
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(body).toEqual({ error: { code: 'INVALID_QUERY', message: expect.stringMatching(mentions) } });
    }
  });

  it('answers 404 in its error shape for an unknown client or path', async () => {
    const unknownClient = await get(sandbox, 'clients/SC-999999');
    const unknownPath = await get(sandbox, 'referrals');

    expect(unknownClient).toEqual({ status: 404, body: { error: { code: 'CLIENT_NOT_FOUND', message: expect.any(String) } } });
    expect(unknownPath).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } });
  });

  it("lists a client's assessments latest first, their care packages and their allocated worker", async () => {
    const assessments = await get<ClientItems>(sandbox, `clients/${primary.localId}/assessments`);
    const packages = await get<ClientItems>(sandbox, `clients/${primary.localId}/packages`);
    const worker = await get<ClientItems>(sandbox, `clients/${primary.localId}/worker`);

    expect(assessments.status).toBe(200);
    expect(assessments.body.assessments.length).toBeGreaterThan(0);
    expect(assessments.body.assessments.map((item) => item.typeCode)).toContain('CANA');
    const dates = assessments.body.assessments.map((item) => item.completedDate.split('/').reverse().join('-'));
    expect(dates).toEqual([...dates].sort().reverse());
    expect(packages.status).toBe(200);
    for (const item of packages.body.packages)
      expect(item).toMatchObject({
        startDate: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}$/),
        status: expect.stringMatching(/^(ACTIVE|ENDED)$/),
      });
    expect(worker.body).toEqual({
      clientId: primary.localId,
      worker: {
        name: expect.any(String),
        role: expect.any(String),
        team: expect.any(String),
        allocatedDate: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}$/),
      },
    });
    // Nothing served names the truth's person ids.
    expect(JSON.stringify([assessments.body, packages.body, worker.body])).not.toContain(primary.personId);
  });

  it('reports clients whose records changed since a time, oldest change first', async () => {
    const everything = await get<ChangesPage>(sandbox, 'changes?since=1900-01-01T00:00:00Z&pageSize=100');
    const lastYear = await get<ChangesPage>(sandbox, 'changes?since=2024-06-01T00:00:00Z&pageSize=100');

    expect(everything.status).toBe(200);
    expect(everything.body.totalCount).toBe(records.length);
    expect(lastYear.body.totalCount).toBeLessThan(records.length);
    expect(lastYear.body.totalCount).toBeGreaterThan(0);
    const stamps = lastYear.body.changes.map((change) => change.lastUpdated);
    expect(stamps).toEqual([...stamps].sort());
    for (const stamp of stamps) expect(stamp > '2024-06-01T00:00:00.000Z' && stamp <= `${REFERENCE_DATE}T00:00:00.000Z`).toBe(true);

    expect((await get(sandbox, 'changes')).status).toBe(400);
    expect((await get(sandbox, 'changes?since=yesterday')).body).toEqual({
      error: { code: 'INVALID_QUERY', message: expect.stringMatching(/since/) },
    });
  });

  // Client and server share this process, and other test workers share the machine, so wall-clock
  // time measures the machine's load; the process's CPU time per request measures the system.
});

// About 2% of the borough are social care clients, so a population of 50,000 gives the
// 1,000-odd clients needed to measure a rate within a few percentage points, and errors to find.
describe('social care records across a 50,000-person borough', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    const population = generatePopulation({ seed: 20_250_603, size: 50_000, referenceDate: REFERENCE_DATE });
    sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await sandbox.stop();
  });

  it('leaves the NHS number out for about 30% of clients', async () => {
    const { clients } = await allClients(sandbox, 100);
    const missing = clients.filter((client) => client.nhsNumber === null).length / clients.length;

    expect(clients.length).toBeGreaterThan(800);
    expect(missing).toBeGreaterThan(0.25);
    expect(missing).toBeLessThan(0.35);
  });

  it('serves its own copy of a client, errors and all, never the truth', async () => {
    const records = sandbox.context.directories['social-care'].records;
    const misspelt = records.find((record) => record.errors.includes('typo-family'))!;
    const { body } = await get<Client>(sandbox, `clients/${misspelt.localId}`);

    expect(body.surname).toBe(misspelt.family.toUpperCase());
    expect(body.surname).not.toBe(sandbox.context.people.get(misspelt.personId)!.family.toUpperCase());
  });

  it('keeps a duplicate registration empty: its history sits with the first record', async () => {
    const duplicate = sandbox.context.directories['social-care'].records.find((record) => record.duplicateOf)!;
    const assessments = await get<ClientItems>(sandbox, `clients/${duplicate.localId}/assessments`);
    const worker = await get<ClientItems>(sandbox, `clients/${duplicate.localId}/worker`);
    const client = await get<Client>(sandbox, `clients/${duplicate.localId}`);

    expect(client.status).toBe(200);
    expect(assessments.body.assessments).toEqual([]);
    expect(worker.body.worker).toBeNull();
  });
});
