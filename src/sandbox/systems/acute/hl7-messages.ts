import { Hl7Context, Hl7Message, Hl7Segment } from '@medplum/core';

import type { Coding, DiagnosticReportItem, EncounterItem, ObservationItem } from '../../population/clinical-history.types.js';
import { hashSeed } from '../../population/random.js';
import { LAB_PANELS, OBSERVATIONS } from '../../population/reference-data/clinical-codes.js';
import { ACUTE_TRUST } from '../../population/reference-data/organisations.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import type { SandboxContext, SandboxEvent } from '../../server/sandbox-context.js';
import { itemResourceId, patientResourceId } from '../fhir-r4/fhir-ids.js';

// HL7 v2.4 messages as the trust's EPR sends them to the hub, laid out like the UCLH EMAP
// fixtures (MSH EVN PID PD1 PV1 PV2 OBX for ADT; MSH PID PV1 ORC OBR OBX for results). The
// patient segment is always the trust's own record of the patient, never the truth.

export const HL7_VERSION = '2.4';
export const SENDING_APPLICATION = 'ISLPARK_EPR';
export const SENDING_FACILITY = ACUTE_TRUST.code;
export const RECEIVING_APPLICATION = 'TESSERA';
export const RECEIVING_FACILITY = 'TESSERA_HUB';
/** PID-3 assigning authority and identifier type of the trust's MRN and of the NHS number. */
export const MRN_AUTHORITY = ACUTE_TRUST.code;
export const NHS_NUMBER_AUTHORITY = 'NHS';

export type AdtTrigger = 'A01' | 'A03' | 'A04';

export interface MessageHeader {
  /** MSH-10, unique per message; a retry resends the same id so the hub can de-duplicate. */
  controlId: string;
  createdAt: Date;
}

const CONTEXT = new Hl7Context();
const CODING_SYSTEMS: Record<string, string> = {
  'http://snomed.info/sct': 'SCT',
  'http://loinc.org': 'LN',
  'https://dmd.nhs.uk': '99DMD',
};

/** ADT^A04 (A&E registration), ADT^A01 (admission) or ADT^A03 (discharge) for one encounter. */
export function buildAdtMessage(trigger: AdtTrigger, header: MessageHeader, record: SystemRecord, encounter: EncounterItem): Hl7Message {
  const occurred = trigger === 'A03' ? (encounter.end ?? encounter.start) : encounter.start;
  const structure = trigger === 'A03' ? 'ADT_A03' : 'ADT_A01';
  return new Hl7Message(
    [
      mshSegment(header, `ADT^${trigger}^${structure}`),
      segment('EVN', { 1: trigger, 2: hl7DateTime(header.createdAt), 6: hl7DateTime(occurred) }),
      pidSegment(record),
      segment('PD1', {}),
      pv1Segment(record, encounter, trigger),
      segment('PV2', { 3: encounter.reason ? codedElement(encounter.reason) : '' }),
      // Epic at UCLH sends the NHS administrative category as an OBX in every ADT message.
      segment('OBX', {
        1: '1',
        2: 'CE',
        3: 'ADMINCAT^Administrative category^L',
        5: '01^NHS patient^L',
        11: 'F',
        14: hl7Date(encounter.start),
      }),
    ],
    CONTEXT,
  );
}

/** ORU^R01 for one laboratory report: one OBX per result, with units, reference range and flag. */
export function buildOruMessage(
  header: MessageHeader,
  record: SystemRecord,
  report: DiagnosticReportItem,
  results: ObservationItem[],
  encounter?: EncounterItem,
): Hl7Message {
  const collected = results[0]?.effective ?? report.issued;
  const placer = escapeText(trustItemId(record, report.id));
  const filler = accessionNumber(report.id);
  const service = report.code.code === LAB_PANELS.fullBloodCount.code.code ? 'HM' : 'CH';
  return new Hl7Message(
    [
      mshSegment(header, 'ORU^R01^ORU_R01'),
      pidSegment(record),
      encounter ? pv1Segment(record, encounter, 'ORU') : segment('PV1', { 1: '1', 2: 'O' }),
      segment('ORC', { 1: 'RE', 2: placer, 3: filler, 5: 'CM' }),
      segment('OBR', {
        1: '1',
        2: placer,
        3: filler,
        4: codedElement(report.code),
        7: hl7DateTime(collected),
        14: hl7DateTime(collected),
        15: 'BLD^Blood',
        16: encounter ? practitioner(encounter.practitioner) : '',
        22: hl7DateTime(report.issued),
        24: service,
        25: 'F',
      }),
      ...results.map((result, index) =>
        segment('OBX', {
          1: String(index + 1),
          2: 'NM',
          3: observationCode(result),
          5: result.value === undefined ? '' : String(result.value),
          6: escapeText(result.unit ?? ''),
          7: referenceRange(result.referenceRange),
          8: abnormalFlag(result),
          11: 'F',
          14: hl7DateTime(result.effective),
        }),
      ),
    ],
    CONTEXT,
  );
}

/**
 * The message a live event becomes, built from the trust's state at the moment the event
 * happens (a later discharge must not change the admission message still queued).
 */
export function messageForEvent(context: SandboxContext, event: SandboxEvent, header: MessageHeader): Hl7Message | undefined {
  const record = primaryAcuteRecord(context, event.personId);
  const history = context.histories.forSystem(event.personId, 'acute');
  if (!record || !history) return undefined;
  if (event.type === 'result') {
    const report = history.diagnosticReports.find((item) => item.id === event.reportId);
    if (!report) return undefined;
    const byId = new Map(history.observations.map((item) => [item.id, item]));
    const results = report.resultIds.map((id) => byId.get(id)).filter((item): item is ObservationItem => item !== undefined);
    const encounter = report.encounterId ? history.encounters.find((item) => item.id === report.encounterId) : undefined;
    return buildOruMessage(header, record, report, results, encounter);
  }
  const encounter = history.encounters.find((item) => item.id === event.encounterId);
  if (!encounter) return undefined;
  const trigger: AdtTrigger = event.type === 'attendance' ? 'A04' : event.type === 'admission' ? 'A01' : 'A03';
  return buildAdtMessage(trigger, header, record, encounter);
}

/** The trust's registration of a person: the first record that is not a duplicate. */
export function primaryAcuteRecord(context: SandboxContext, personId: string): SystemRecord | undefined {
  const records = context.directories.acute.byPersonId.get(personId) ?? [];
  return records.find((record) => !record.duplicateOf);
}

/**
 * The trust's id for one of a patient's items (PV1-19 visit number, ORC-2/OBR-2 placer order
 * number): the id its FHIR API gives the same Encounter or DiagnosticReport, so the hub can
 * join what arrives over HL7 with what it reads over FHIR. Never the truth person id.
 */
export function trustItemId(record: SystemRecord, itemId: string): string {
  return itemResourceId(patientResourceId(record.localId), record.personId, itemId);
}

/** HL7 TS in London time with its UTC offset, e.g. 20240611093000+0100. */
export function hl7DateTime(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  const parts = Object.fromEntries(LONDON_TIME.formatToParts(date).map((part) => [part.type, part.value]));
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMinutes = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const offset = `${sign}${pad(Math.floor(absolute / 60))}${pad(absolute % 60)}`;
  return `${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}${offset}`;
}

/** HL7 DT from an ISO date or date-time: YYYYMMDD. */
export function hl7Date(isoDate: string): string {
  return isoDate.slice(0, 10).replaceAll('-', '');
}

/** Escapes the HL7 delimiters in free text (names, addresses, displays). */
export function escapeText(value: string): string {
  return value.replace(/[\\|^&~]/g, (character) => ESCAPES[character] as string);
}

const ESCAPES: Record<string, string> = { '\\': '\\E\\', '|': '\\F\\', '^': '\\S\\', '&': '\\T\\', '~': '\\R\\' };

const LONDON_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** LOINC twins of the SNOMED codes results are written in, sent as OBX-3's alternate identifier. */
const LOINC_FOR_SNOMED = new Map<string, Coding>(Object.values(OBSERVATIONS).map((entry) => [entry.code.code, entry.loinc]));

/** NHS Data Dictionary discharge destination codes (PV1-36) for the SNOMED dispositions. */
const DISCHARGE_DESTINATIONS: Record<string, string> = {
  '306689006': '19',
  '306691003': '65',
  '306694006': '85',
  '371828006': '79',
};

function mshSegment(header: MessageHeader, messageType: string): Hl7Segment {
  // Hl7Segment's MSH handling: field 1 is "MSH", field 2 the encoding characters, then MSH-3 on.
  return new Hl7Segment(
    [
      'MSH',
      CONTEXT.getMsh2(),
      SENDING_APPLICATION,
      SENDING_FACILITY,
      RECEIVING_APPLICATION,
      RECEIVING_FACILITY,
      hl7DateTime(header.createdAt),
      '',
      messageType,
      header.controlId,
      'P',
      HL7_VERSION,
      '',
      '',
      'AL',
      'NE',
    ],
    CONTEXT,
  );
}

function pidSegment(record: SystemRecord): Hl7Segment {
  const identifiers = [`${escapeText(record.localId)}^^^${MRN_AUTHORITY}^MR`];
  if (record.nhsNumber) identifiers.push(`${record.nhsNumber}^^^${NHS_NUMBER_AUTHORITY}^NH`);
  const name = components([record.family, record.given, record.middle ?? '', '', record.title ?? '', '', 'L']);
  const [firstLine = '', ...otherLines] = record.address.lines;
  const address = components([firstLine, otherLines.join(', '), record.address.town, '', record.address.postcode, 'GBR', 'H']);
  return segment('PID', {
    1: '1',
    3: identifiers.join('~'),
    5: name,
    7: hl7Date(record.birthDate),
    8: record.sex === 'male' ? 'M' : 'F',
    11: address,
    13: record.phone ? components([record.phone, 'PRN', 'PH']) : '',
    29: record.deathDate ? hl7Date(record.deathDate) : '',
    30: record.deathDate ? 'Y' : 'N',
  });
}

function pv1Segment(record: SystemRecord, encounter: EncounterItem, trigger: AdtTrigger | 'ORU'): Hl7Segment {
  const patientClass = encounter.type === 'ae-attendance' ? 'E' : encounter.type === 'inpatient-admission' ? 'I' : 'O';
  const pointOfCare = patientClass === 'E' ? 'ED' : escapeText(encounter.ward ?? encounter.location);
  const disposition = trigger === 'A03' ? encounter.dischargeDisposition : undefined;
  // An attendance is sent once complete; an admission carries its discharge time only on A03.
  const ended = encounter.end && (trigger === 'A03' || trigger === 'A04') ? hl7DateTime(encounter.end) : '';
  return segment('PV1', {
    1: '1',
    2: patientClass,
    3: `${pointOfCare}^^^${ACUTE_TRUST.code}`,
    4: patientClass === 'I' ? 'E' : '',
    7: practitioner(encounter.practitioner),
    19: `${escapeText(trustItemId(record, encounter.id))}^^^${ACUTE_TRUST.code}^VN`,
    36: disposition ? (DISCHARGE_DESTINATIONS[disposition.code] ?? '98') : '',
    44: hl7DateTime(encounter.start),
    45: ended,
  });
}

/** XCN from a display name such as "Dr A Okafor": ^FAMILY^GIVEN^^^PREFIX. */
function practitioner(display: string): string {
  const words = display.trim().split(/\s+/);
  const prefix = /^(dr|mr|mrs|ms|miss|prof)\.?$/i.test(words[0] ?? '') ? (words.shift() as string) : '';
  const family = words.pop() ?? '';
  return components(['', family.toUpperCase(), words.join(' '), '', '', prefix.toUpperCase()]);
}

function codedElement(coding: Coding): string {
  return components([coding.code, coding.display, CODING_SYSTEMS[coding.system] ?? 'L']);
}

/** OBX-3: the result's own code, and LOINC as the alternate identifier when the code is SNOMED. */
function observationCode(result: ObservationItem): string {
  const primary = codedElement(result.code);
  const alternate = LOINC_FOR_SNOMED.get(result.code.code);
  return alternate ? `${primary}^${components([alternate.code, alternate.display, 'LN'])}` : primary;
}

function referenceRange(range: ObservationItem['referenceRange']): string {
  if (!range) return '';
  if (range.low !== undefined && range.high !== undefined) return `${range.low}-${range.high}`;
  if (range.low !== undefined) return `>${range.low}`;
  if (range.high !== undefined) return `<${range.high}`;
  return '';
}

/** OBX-8 from HL7 table 0078: L, H or N. */
export function abnormalFlag(result: Pick<ObservationItem, 'value' | 'referenceRange'>): string {
  const { value, referenceRange: range } = result;
  if (value === undefined || !range) return '';
  if (range.low !== undefined && value < range.low) return 'L';
  if (range.high !== undefined && value > range.high) return 'H';
  return 'N';
}

/** The laboratory's accession number (OBR-3 filler order number): 10 digits hashed from the report. */
function accessionNumber(reportId: string): string {
  const high = (hashSeed(0, 'accession', reportId) >>> 0) % 100_000;
  const low = (hashSeed(1, 'accession', reportId) >>> 0) % 100_000;
  return `L${String(high).padStart(5, '0')}${String(low).padStart(5, '0')}`;
}

/** A segment from already-encoded field texts keyed by field number (PID-3 is 3); gaps stay empty. */
function segment(name: string, fields: Record<number, string>): Hl7Segment {
  const numbers = Object.keys(fields).map(Number);
  const texts = Array.from({ length: Math.max(0, ...numbers) }, (_, index) => fields[index + 1] ?? '');
  return new Hl7Segment([name, ...trimTrailing(texts)], CONTEXT);
}

/** Components joined with ^, each escaped, trailing empties dropped. */
function components(values: string[]): string {
  return trimTrailing(values.map(escapeText)).join('^');
}

function trimTrailing(values: string[]): string[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === '') end -= 1;
  return values.slice(0, end);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
