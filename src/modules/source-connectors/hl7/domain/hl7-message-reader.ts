import { Hl7Message, type Hl7Segment } from '@medplum/core';
import { isValidNhsNumber } from '../../../../fhir/index.js';
import { parseHl7Date, parseHl7DateTime } from './hl7-time.js';

/** The ADT triggers and ORU^R01 the hub acts on; anything else is refused with AR. */
export const supportedTriggers: Readonly<Record<string, readonly string[]>> = {
  ADT: ['A01', 'A02', 'A03', 'A04', 'A05', 'A08', 'A11', 'A13', 'A28', 'A31', 'A34', 'A40'],
  ORU: ['R01'],
};

/** HL7 table 0357 (message error condition codes) used in ERR. */
export const Hl7ErrorCode = {
  SegmentSequenceError: 100,
  RequiredFieldMissing: 101,
  DataTypeError: 102,
  UnsupportedMessageType: 200,
  UnsupportedEventCode: 201,
  ApplicationInternalError: 207,
} as const;
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

/** The MSH fields an ACK echoes; every one may be empty when the message was unreadable. */
export interface Hl7Header {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  controlId: string;
  messageType: string;
  triggerEvent: string;
  version: string;
}

/** Why a message is refused: safe text (it names fields, never echoes their content). */
export interface Hl7Rejection {
  ackCode: 'AR' | 'AE';
  errorCode: Hl7ErrorCode;
  reason: string;
  /** Where, as segment^sequence^field, when known. */
  location?: string;
}

export interface AcceptedHl7Message {
  /** The message with CR segment endings. */
  text: string;
  header: Hl7Header;
  /** Orders one patient's messages: sending facility and the patient's local identifier. */
  patientKey: string | null;
}

export type Hl7ReadOutcome = { accepted: AcceptedHl7Message } | { rejected: Hl7Rejection; header: Hl7Header };

const maxControlIdLength = 199;
const maxSegments = 5_000;
// Control characters other than CR and TAB mean binary noise, not a message.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacters = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const emptyHeader: Hl7Header = {
  sendingApplication: '',
  sendingFacility: '',
  receivingApplication: '',
  receivingFacility: '',
  controlId: '',
  messageType: '',
  triggerEvent: '',
  version: '',
};

/** Decodes a frame: UTF-8 when it is valid UTF-8, else ISO 8859-1 (what older feeds send). */
export function decodeHl7Payload(payload: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return payload.toString('latin1');
  }
}

/** CR, LF and CRLF segment endings all become CR; blank lines and surrounding whitespace go. */
export function normaliseSegmentEndings(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .join('\r');
}

function reject(
  header: Hl7Header,
  ackCode: Hl7Rejection['ackCode'],
  errorCode: Hl7ErrorCode,
  reason: string,
  location?: string,
): Hl7ReadOutcome {
  return { rejected: { ackCode, errorCode, reason, location }, header };
}

/** Validates one received message far enough to store it durably and acknowledge it. */
export function readHl7Message(raw: string): Hl7ReadOutcome {
  const text = normaliseSegmentEndings(raw.replace(/^[\s\uFEFF]+/, ''));
  if (!text.startsWith('MSH'))
    return reject(emptyHeader, 'AR', Hl7ErrorCode.SegmentSequenceError, 'message does not start with an MSH segment', 'MSH');
  const fieldSeparator = text.charAt(3);
  const encoding = text.slice(4, 8);
  const delimiters = new Set([fieldSeparator, ...encoding]);
  if (encoding.length < 4 || delimiters.size !== 5 || /[\w\s]/.test(fieldSeparator + encoding)) {
    return reject(emptyHeader, 'AR', Hl7ErrorCode.DataTypeError, 'MSH-1 and MSH-2 must hold five distinct delimiter characters', 'MSH^1^2');
  }
  let message: Hl7Message;
  try {
    message = Hl7Message.parse(text);
  } catch {
    return reject(emptyHeader, 'AR', Hl7ErrorCode.DataTypeError, 'message could not be parsed', 'MSH');
  }
  const header = readHeader(message.getSegment('MSH')!);
  if (controlCharacters.test(text)) return reject(header, 'AR', Hl7ErrorCode.DataTypeError, 'message contains control characters');
  if (message.segments.length > maxSegments)
    return reject(header, 'AR', Hl7ErrorCode.SegmentSequenceError, `message has more than ${maxSegments} segments`);
  if (message.segments.some((segment) => !/^[A-Z][A-Z0-9]{2}$/.test(segment.name))) {
    return reject(header, 'AR', Hl7ErrorCode.SegmentSequenceError, 'a segment name is not three upper-case letters or digits');
  }
  if (!header.controlId)
    return reject(header, 'AR', Hl7ErrorCode.RequiredFieldMissing, 'MSH-10 (message control id) is missing', 'MSH^1^10');
  if (header.controlId.length > maxControlIdLength) {
    return reject(header, 'AR', Hl7ErrorCode.DataTypeError, `MSH-10 is longer than ${maxControlIdLength} characters`, 'MSH^1^10');
  }
  if (!header.messageType || !header.triggerEvent) {
    return reject(header, 'AR', Hl7ErrorCode.RequiredFieldMissing, 'MSH-9 (message type and trigger event) is missing', 'MSH^1^9');
  }
  const triggers = supportedTriggers[header.messageType];
  if (!triggers) {
    return reject(
      header,
      'AR',
      Hl7ErrorCode.UnsupportedMessageType,
      `message type ${safeCode(header.messageType)} is not accepted`,
      'MSH^1^9',
    );
  }
  if (!triggers.includes(header.triggerEvent)) {
    return reject(
      header,
      'AR',
      Hl7ErrorCode.UnsupportedEventCode,
      `trigger event ${safeCode(header.messageType)}^${safeCode(header.triggerEvent)} is not accepted`,
      'MSH^1^9',
    );
  }
  const pid = message.getSegment('PID');
  if (!pid) return reject(header, 'AR', Hl7ErrorCode.SegmentSequenceError, 'PID segment is missing', 'PID');
  const identifiers = readPatientIdentifiers(pid);
  if (!identifiers.localId)
    return reject(header, 'AR', Hl7ErrorCode.RequiredFieldMissing, 'PID-3 has no local patient identifier', 'PID^1^3');
  if (
    header.messageType === 'ADT' &&
    (header.triggerEvent === 'A40' || header.triggerEvent === 'A34') &&
    !message.getSegment('MRG')?.getComponent(1, 1)
  ) {
    return reject(header, 'AR', Hl7ErrorCode.RequiredFieldMissing, 'MRG-1 (prior patient identifier) is missing', 'MRG^1^1');
  }
  return { accepted: { text, header, patientKey: `${header.sendingFacility}|${identifiers.localId}` } };
}

/** Codes from the message may be echoed in an ACK only when they look like codes. */
function safeCode(value: string): string {
  return /^[A-Za-z0-9_]{1,10}$/.test(value) ? value : '(unreadable)';
}

function readHeader(msh: Hl7Segment): Hl7Header {
  // Medplum counts MSH fields as the standard does: MSH-1 is the field separator.
  return {
    sendingApplication: msh.getComponent(3, 1),
    sendingFacility: msh.getComponent(4, 1),
    receivingApplication: msh.getComponent(5, 1),
    receivingFacility: msh.getComponent(6, 1),
    messageType: msh.getComponent(9, 1).trim(),
    triggerEvent: msh.getComponent(9, 2).trim(),
    controlId: msh.getField(10)?.toString().trim() ?? '',
    version: msh.getComponent(12, 1),
  };
}

export interface PatientIdentifiers {
  /** The trust's own identifier (MRN): the first PID-3 repetition that is not an NHS number. */
  localId: string | null;
  localIdAuthority: string | null;
  nhsNumber: string | null;
}

function readPatientIdentifiers(pid: Hl7Segment): PatientIdentifiers {
  const field = pid.getField(3);
  let localId: string | null = null;
  let localIdAuthority: string | null = null;
  let nhsNumber: string | null = null;
  const repetitions = field ? field.components.length : 0;
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const id = field!.getComponent(1, undefined, repetition).trim();
    if (!id) continue;
    const authority = field!.getComponent(4, undefined, repetition).trim();
    const type = field!.getComponent(5, undefined, repetition).trim();
    if (authority.toUpperCase() === 'NHS' || type === 'NH' || type === 'NHS') {
      const digits = id.replace(/\s/g, '');
      if (!nhsNumber && isValidNhsNumber(digits)) nhsNumber = digits;
    } else if (!localId) {
      localId = id;
      localIdAuthority = authority || null;
    }
  }
  return { localId, localIdAuthority, nhsNumber };
}

/** What a care event records: ids and codes, never free text. */
export type CareEventKind =
  'admission' | 'transfer' | 'discharge' | 'attendance' | 'pre-admission' | 'cancel-admission' | 'cancel-discharge' | 'result-available';

const careEventKinds: Readonly<Record<string, CareEventKind>> = {
  'ADT^A01': 'admission',
  'ADT^A02': 'transfer',
  'ADT^A03': 'discharge',
  'ADT^A04': 'attendance',
  'ADT^A05': 'pre-admission',
  'ADT^A11': 'cancel-admission',
  'ADT^A13': 'cancel-discharge',
  'ORU^R01': 'result-available',
};

export interface PatientDemographics {
  nhsNumber: string | null;
  familyName: string | null;
  givenNames: string | null;
  birthDate: string | null;
  sex: string | null;
  postcode: string | null;
  deathDate: string | null;
}

export interface Hl7ClinicalContent {
  messageType: string;
  sourceFacility: string;
  patient: PatientIdentifiers & { localId: string };
  careEvent: {
    kind: CareEventKind;
    eventTime: Date | null;
    visitNumber: string | null;
    resultId: string | null;
    dischargeDisposition: string | null;
  } | null;
  demographics: PatientDemographics;
  /** A34/A40: prior local identifier merged into `patient.localId`. */
  merges: { priorLocalId: string }[];
}

/** Reads what processing needs from a message that `readHl7Message` accepted. */
export function readClinicalContent(text: string): Hl7ClinicalContent {
  const message = Hl7Message.parse(text);
  const header = readHeader(message.getSegment('MSH')!);
  const pid = message.getSegment('PID')!;
  const patient = readPatientIdentifiers(pid);
  if (!patient.localId) throw new Error('PID-3 has no local patient identifier');
  const messageType = `${header.messageType}^${header.triggerEvent}`;
  const kind = careEventKinds[messageType];
  const pv1 = message.getSegment('PV1');
  const evn = message.getSegment('EVN');
  const obr = message.getSegment('OBR');
  const eventTimeText = evn?.getComponent(6, 1) || evn?.getComponent(2, 1) || message.getSegment('MSH')!.getComponent(7, 1);
  const careEvent = kind
    ? {
        kind,
        eventTime: parseHl7DateTime(
          kind === 'result-available' ? obr?.getComponent(22, 1) || obr?.getComponent(7, 1) || eventTimeText : eventTimeText,
        ),
        visitNumber: codeOrNull(pv1?.getComponent(19, 1)),
        resultId: kind === 'result-available' ? codeOrNull(obr?.getComponent(3, 1) || obr?.getComponent(2, 1)) : null,
        dischargeDisposition: kind === 'discharge' ? codeOrNull(pv1?.getComponent(36, 1)) : null,
      }
    : null;
  const merges = message
    .getAllSegments('MRG')
    .map((mrg) => mrg.getComponent(1, 1).trim())
    .filter((prior) => prior && prior !== patient.localId)
    .map((priorLocalId) => ({ priorLocalId }));
  return {
    messageType,
    sourceFacility: header.sendingFacility,
    patient: { ...patient, localId: patient.localId },
    careEvent,
    demographics: {
      nhsNumber: patient.nhsNumber,
      familyName: textOrNull(pid.getComponent(5, 1)),
      givenNames: textOrNull([pid.getComponent(5, 2), pid.getComponent(5, 3)].filter((part) => part.trim()).join(' ')),
      birthDate: parseHl7Date(pid.getComponent(7, 1)),
      sex: codeOrNull(pid.getComponent(8, 1)),
      postcode: textOrNull(pid.getComponent(11, 5)),
      deathDate: parseHl7Date(pid.getComponent(29, 1)),
    },
    merges,
  };
}

function textOrNull(value: string | undefined): string | null {
  const trimmed = value?.trim();
  // `""` is HL7's explicit null.
  return trimmed && trimmed !== '""' ? trimmed.slice(0, 200) : null;
}

function codeOrNull(value: string | undefined): string | null {
  const trimmed = textOrNull(value);
  return trimmed ? trimmed.slice(0, 64) : null;
}
