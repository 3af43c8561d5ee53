import type { EncounterItem } from '../../population/clinical-history.types.js';
import { generatePopulation } from '../../population/generate-population.js';
import type { Population } from '../../population/population.types.js';
import type { SandboxEvent } from '../../server/sandbox-context.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';
import { MAX_OPEN_ADMISSIONS, simulateEvent, type LiveEventOutcome } from './live-events.js';

/** What POST /sandbox/events answers: the outcome on 201, an error code and message otherwise. */
type EventReply = Omit<LiveEventOutcome, 'event'> & {
  event: SandboxEvent & { encounterId?: string; reportId?: string };
  error?: string;
  message?: string;
};

const population: Population = generatePopulation({ seed: 3_012, size: 300, referenceDate: '2025-06-01' });
const running: RunningSandbox[] = [];

afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.stop();
});

async function startTrust(eventIntervalMs?: number): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0, eventIntervalMs });
  running.push(sandbox);
  return sandbox;
}

async function postEvent(
  sandbox: RunningSandbox,
  body: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: EventReply }> {
  const response = await fetch(`${sandbox.url}/sandbox/events`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as EventReply };
}

function acuteEncounters(sandbox: RunningSandbox, personId: string): EncounterItem[] {
  return sandbox.context.histories.forSystem(personId, 'acute')?.encounters ?? [];
}

function livingTrustPatient(sandbox: RunningSandbox): string {
  const record = sandbox.context.directories.acute.records.find(
    (candidate) => !candidate.duplicateOf && !sandbox.context.people.get(candidate.personId)?.deathDate,
  );
  if (!record) throw new Error('the test population has no living trust patient');
  return record.personId;
}

describe('POST /sandbox/events with a body it cannot act on', () => {
  // These answers change nothing, so one sandbox serves them all.
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it.each([
    [{}, /type/],
    [{ type: 'birth' }, /type/],
    [{ type: 'admission', nhsNumber: '12345' }, /nhsNumber: must be 10 digits/],
    [{ type: 'admission', ward: 'Coyle Ward' }, /ward/],
    [{ type: 'admission', nhsNumber: '9990000018', personId: 'P0000001' }, /at most one of nhsNumber, mrn and personId/],
  ])('answers 400 with the problem for %j', async (body, problem) => {
    const response = await postEvent(sandbox, body);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid-event');
    expect(response.body.message).toMatch(problem);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await postEvent(sandbox, '{"type":', 'application/json');
    expect(response.status).toBe(400);
  });

  it('answers 404 for a patient the trust does not know', async () => {
    const notAtTrust = population.people.find((person) => !sandbox.context.directories.acute.byPersonId.has(person.id));
    expect((await postEvent(sandbox, { type: 'admission', personId: 'P9999999' })).status).toBe(404);
    expect((await postEvent(sandbox, { type: 'result', mrn: 'no-such-mrn' })).status).toBe(404);
    expect((await postEvent(sandbox, { type: 'attendance', nhsNumber: '1234567890' })).status).toBe(404);
    const response = await postEvent(sandbox, { type: 'admission', personId: notAtTrust?.id });
    expect(response).toMatchObject({ status: 404, body: { error: 'no-acute-record' } });
  });

  it('answers 409 for a discharge when nobody is in hospital', async () => {
    const response = await postEvent(sandbox, { type: 'discharge' });
    expect(response).toMatchObject({ status: 409, body: { error: 'not-admitted' } });
  });
});

describe('POST /sandbox/events', () => {
  it('admits through A&E: an attendance that ends on admission, and an open admission that comes from it', async () => {
    const sandbox = await startTrust();
    const personId = livingTrustPatient(sandbox);
    const seen: SandboxEvent[] = [];
    sandbox.context.events.on('event', (event) => seen.push(event));

    const response = await postEvent(sandbox, { type: 'admission', personId });

    expect(response.status).toBe(201);
    expect(response.body.event).toMatchObject({ type: 'admission', personId });
    expect(seen.map((event) => event.type)).toEqual(['attendance', 'admission']);
    expect(response.body.emitted).toEqual(seen);
    const encounters = acuteEncounters(sandbox, personId);
    const admission = encounters.find((item) => item.id === response.body.event.encounterId);
    const attendance = encounters.find((item) => item.id === admission?.admittedFromId);
    expect(admission).toMatchObject({ type: 'inpatient-admission', system: 'acute', organisationCode: 'R9A' });
    expect(admission?.end).toBeUndefined();
    expect(attendance).toMatchObject({ type: 'ae-attendance', system: 'acute', organisationCode: 'R9A', end: admission?.start });
    expect(response.body.created).toEqual([attendance?.id, admission?.id]);

    const again = await postEvent(sandbox, { type: 'admission', personId });
    expect(again).toMatchObject({ status: 409, body: { error: 'already-admitted' } });
  });

  it('discharges an admitted patient, and refuses to discharge one who is not in hospital', async () => {
    const sandbox = await startTrust();
    const personId = livingTrustPatient(sandbox);
    const admitted = await postEvent(sandbox, { type: 'admission', personId });

    const discharged = await postEvent(sandbox, { type: 'discharge', personId });

    expect(discharged.status).toBe(201);
    expect(discharged.body.updated).toEqual([admitted.body.event.encounterId]);
    const admission = acuteEncounters(sandbox, personId).find((item) => item.id === admitted.body.event.encounterId);
    expect(admission?.end).toBeDefined();
    expect(Date.parse(admission?.end ?? '')).toBeGreaterThanOrEqual(Date.parse(admission?.start ?? ''));
    expect(admission?.dischargeDisposition?.system).toBe('http://snomed.info/sct');
    const again = await postEvent(sandbox, { type: 'discharge', personId });
    expect(again).toMatchObject({ status: 409, body: { error: 'not-admitted' } });
  });

  it('reports a laboratory result with plausible values and reference ranges', async () => {
    const sandbox = await startTrust();
    const personId = livingTrustPatient(sandbox);

    const response = await postEvent(sandbox, { type: 'result', personId });

    expect(response.status).toBe(201);
    const history = sandbox.context.histories.forSystem(personId, 'acute');
    const report = history?.diagnosticReports.find((item) => item.id === response.body.event.reportId);
    expect(report).toMatchObject({ kind: 'diagnostic-report', system: 'acute', organisationCode: 'R9A' });
    const results = history?.observations.filter((item) => report?.resultIds.includes(item.id)) ?? [];
    expect(results.length).toBe(report?.resultIds.length);
    for (const result of results) {
      expect(result).toMatchObject({ category: 'laboratory', reportId: report?.id, system: 'acute' });
      expect(typeof result.value).toBe('number');
      expect(result.unit).toBeTruthy();
      const { low, high } = result.referenceRange ?? {};
      expect(low ?? high).toBeDefined();
      // Within a few times the range: abnormal results happen, absurd ones do not.
      if (high !== undefined) expect(result.value).toBeLessThan(high * 4);
      if (low !== undefined) expect(result.value).toBeGreaterThan(low / 4);
    }
  });
});

describe('live events while the sandbox runs', () => {
  it('happen on the interval to living trust patients, and every admission is discharged in turn', async () => {
    const sandbox = await startTrust(5);
    const seen: SandboxEvent[] = [];
    sandbox.context.events.on('event', (event) => seen.push(event));
    const deadline = Date.now() + 10_000;
    while (seen.filter((event) => event.type === 'discharge').length < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await sandbox.stop();

    const admissions = seen.filter((event) => event.type === 'admission');
    const discharges = seen.filter((event) => event.type === 'discharge');
    expect(discharges.length).toBeGreaterThanOrEqual(5);
    expect(seen.some((event) => event.type === 'result')).toBe(true);
    for (const event of seen) {
      expect(sandbox.context.people.get(event.personId)?.deathDate).toBeUndefined();
      expect(sandbox.context.directories.acute.byPersonId.has(event.personId)).toBe(true);
    }
    // A discharge always follows its own admission, and few are left in at any moment.
    let open = 0;
    for (const event of seen) {
      if (event.type === 'admission') open += 1;
      if (event.type === 'discharge' && admissions.some((admission) => admission.encounterId === event.encounterId)) {
        expect(seen.indexOf(admissions.find((admission) => admission.encounterId === event.encounterId) as SandboxEvent)).toBeLessThan(
          seen.indexOf(event),
        );
        open -= 1;
      }
      expect(open).toBeLessThanOrEqual(MAX_OPEN_ADMISSIONS);
    }
    for (const admission of admissions) {
      const item = acuteEncounters(sandbox, admission.personId).find(
        (encounter) => encounter.id === (admission as { encounterId: string }).encounterId,
      );
      const from = acuteEncounters(sandbox, admission.personId).find((encounter) => encounter.id === item?.admittedFromId);
      expect(from?.type).toBe('ae-attendance');
    }
  });

  it('are the same for the same seed and the same calls', async () => {
    const first = await startTrust();
    const second = await startTrust();
    const draw = (sandbox: RunningSandbox) => Array.from({ length: 40 }, () => simulateEvent(sandbox.context).emitted);

    expect(draw(first)).toEqual(draw(second));
  });
});
