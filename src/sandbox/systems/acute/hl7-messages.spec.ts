import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Hl7Message } from '@medplum/core';

import type { EncounterItem } from '../../population/clinical-history.types.js';
import { generatePopulation } from '../../population/generate-population.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import type { SandboxEvent } from '../../server/sandbox-context.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';
import { buildAdtMessage, hl7DateTime, messageForEvent } from './hl7-messages.js';

const EMAP = path.resolve(process.cwd(), '../shared/fixtures', 'hl7v2/uclh-emap');
const population = generatePopulation({ seed: 3_013, size: 300, referenceDate: '2025-06-01' });
let sandbox: RunningSandbox;

/** Parsed exactly as the hub's listener would: the fixtures use LF, MLLP uses CR. */
function fixture(relative: string): Hl7Message {
  return Hl7Message.parse(readFileSync(path.join(EMAP, relative), 'utf8').trim());
}

function segmentNames(message: Hl7Message): string[] {
  return message.segments.map((segment) => segment.name);
}

/** True when `part` appears in `whole` in the same order, gaps allowed. */
function isSubsequence(part: string[], whole: string[]): boolean {
  let at = 0;
  for (const name of whole) if (name === part[at]) at += 1;
  return at === part.length;
}

/** Consecutive repeats folded (OBX OBX OBX → OBX), to compare message shapes. */
function runs(names: string[]): string[] {
  return names.filter((name, index) => name !== names[index - 1]);
}

/** Posts an event and returns the HL7 message the trust would send for each thing it emitted. */
async function messagesFor(body: object): Promise<Hl7Message[]> {
  const response = await fetch(`${sandbox.url}/sandbox/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  const { emitted } = (await response.json()) as { emitted: SandboxEvent[] };
  return emitted.map((event, index) => {
    const message = messageForEvent(sandbox.context, event, { controlId: `TEST${index}`, createdAt: new Date() });
    if (!message) throw new Error(`no message for ${event.type}`);
    // Through text and back, as it travels.
    return Hl7Message.parse(message.toString());
  });
}

function trustPatient(): SystemRecord {
  const record = sandbox.context.directories.acute.records.find(
    (candidate) => !candidate.duplicateOf && candidate.nhsNumber && !sandbox.context.people.get(candidate.personId)?.deathDate,
  );
  if (!record) throw new Error('no living trust patient with an NHS number');
  return record;
}

describe('HL7 v2 messages from the acute trust', () => {
  beforeEach(async () => {
    sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    await sandbox.stop();
  });

  it('lay out ADT^A01 and ADT^A04 segment for segment like the UCLH EMAP fixtures', async () => {
    const record = trustPatient();
    const [attendance, admission] = (await messagesFor({ type: 'admission', personId: record.personId })) as [Hl7Message, Hl7Message];

    for (const file of ['Adt/generic/A01.txt', 'Adt/generic/A01_b.txt', 'Adt/Location/DuplicateSimple/02_A01.txt']) {
      expect(segmentNames(admission)).toEqual(segmentNames(fixture(file)));
    }
    expect(segmentNames(attendance)).toEqual(segmentNames(fixture('Adt/generic/A04.txt')));
    expect(admission.getSegment('MSH')?.getField(12).toString()).toBe(
      fixture('Adt/generic/A01.txt').getSegment('MSH')?.getField(12).toString(),
    );
  });

  it('carry PID-3 with the same repetition shape as EMAP: MRN first, then the NHS number under authority NHS', async () => {
    const record = trustPatient();
    const [, admission] = (await messagesFor({ type: 'admission', personId: record.personId })) as [Hl7Message, Hl7Message];
    const ours = admission.getSegment('PID')?.getField(3);
    const theirs = fixture('Adt/generic/A01.txt').getSegment('PID')?.getField(3);

    expect(ours?.components).toHaveLength(theirs?.components.length ?? -1);
    ours?.components.forEach((repetition, index) => {
      expect(repetition).toHaveLength(theirs?.components[index]?.length ?? -1);
      expect(repetition.slice(1, 3)).toEqual(['', '']);
    });
    expect(ours?.getComponent(1, undefined, 0)).toBe(record.localId);
    expect(ours?.getComponent(1, undefined, 1)).toBe(record.nhsNumber);
    expect(ours?.getComponent(4, undefined, 1)).toBe(theirs?.getComponent(4, undefined, 1));
  });

  it('lay out ADT^A03 within the EMAP discharge layout, and ORU^R01 like the WinPath results', async () => {
    const record = trustPatient();
    await messagesFor({ type: 'admission', personId: record.personId });
    const [discharge] = (await messagesFor({ type: 'discharge', personId: record.personId })) as [Hl7Message];
    const [result] = (await messagesFor({ type: 'result', personId: record.personId })) as [Hl7Message];

    expect(isSubsequence(segmentNames(discharge), segmentNames(fixture('Adt/generic/A03.txt')))).toBe(true);
    const winPath = runs(segmentNames(fixture('LabOrders/winpath/ORU_R01.txt')));
    expect(winPath.slice(0, runs(segmentNames(result)).length)).toEqual(runs(segmentNames(result)));
    const theirObx = fixture('LabOrders/winpath/ORU_R01.txt').getSegment('OBX');
    const ourObx = result.getSegment('OBX');
    expect(ourObx?.getField(2).toString()).toBe(theirObx?.getField(2).toString());
    expect(ourObx?.getField(11).toString()).toBe(theirObx?.getField(11).toString());
  });
});

describe('HL7 v2 text', () => {
  it('escapes HL7 delimiters in the trust record and never shows the truth person id', () => {
    const record: SystemRecord = {
      system: 'acute',
      localId: '40001234',
      personId: 'P0000042',
      nhsNumber: '9990000018',
      given: 'Anne-Marie',
      family: "O'Brien^Smith|Jones",
      sex: 'female',
      birthDate: '1970-03-02',
      address: { lines: ['1 Holloway Road'], town: 'London', postcode: 'N7 8JG' },
      organisationCode: 'R9A',
      errors: [],
    };
    const encounter: EncounterItem = {
      id: 'P0000042-encounter-L1-admission',
      kind: 'encounter',
      system: 'acute',
      organisationCode: 'R9A',
      recordedAt: '2025-06-01T09:00:00Z',
      type: 'inpatient-admission',
      start: '2025-06-01T09:00:00Z',
      location: 'Islington Park Hospital',
      ward: 'Coyle Ward',
      practitioner: 'Dr A Okafor',
    };
    const text = buildAdtMessage('A01', { controlId: 'X1', createdAt: new Date('2025-06-01T09:00:05Z') }, record, encounter).toString();
    const parsed = Hl7Message.parse(text);

    expect(parsed.getSegment('PID')?.getComponent(5, 1)).toBe("O'Brien\\S\\Smith\\F\\Jones");
    expect(parsed.getSegment('PID')?.getComponent(5, 2)).toBe('Anne-Marie');
    expect(parsed.getSegment('PID')?.getField(7).toString()).toBe('19700302');
    expect(parsed.getSegment('PV1')?.getComponent(19, 1)).toBe('40001234.encounter-L1-admission');
    expect(text).not.toContain('P0000042');
  });

  it('stamps times in London time with the offset', () => {
    expect(hl7DateTime('2025-07-01T12:00:00Z')).toBe('20250701130000+0100');
    expect(hl7DateTime('2025-01-15T12:00:00.400Z')).toBe('20250115120000+0000');
  });
});
