import { z } from 'zod';

import type { Coding, DiagnosticReportItem, EncounterItem, ObservationItem } from '../../population/clinical-history.types.js';
import type { Person } from '../../population/population.types.js';
import { SeededRandom } from '../../population/random.js';
import { CLINICIAN_SURNAMES, INITIALS, WARDS } from '../../population/reference-data/care-staff.js';
import {
  ACUTE_PROBLEMS,
  ADMISSION_REASONS,
  DISCHARGE,
  LAB_PANELS,
  OBSERVATIONS,
  type ObservationKey,
} from '../../population/reference-data/clinical-codes.js';
import { ACUTE_TRUST } from '../../population/reference-data/organisations.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import type { SandboxContext, SandboxEvent } from '../../server/sandbox-context.js';
import { primaryAcuteRecord } from './hl7-messages.js';

// What happens in the hospital while the sandbox runs: A&E attendances, admissions through
// A&E, discharges and laboratory results. Each lands in the trust's history and is announced
// on context.events, which the HL7 feed turns into ADT and ORU messages.

export const LIVE_EVENT_TYPES = ['attendance', 'admission', 'discharge', 'result'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** Body of POST /sandbox/events: the event, and optionally whom it happens to. */
export const liveEventRequestSchema = z
  .object({
    type: z.enum(LIVE_EVENT_TYPES),
    nhsNumber: z
      .string()
      .regex(/^\d{10}$/, 'must be 10 digits')
      .optional(),
    /** The trust's MRN (the acute record's local id). */
    mrn: z.string().min(1).max(64).optional(),
    /** The truth person id (P0000001), for tests and the demo script. */
    personId: z.string().min(1).max(64).optional(),
  })
  .strict()
  .refine((body) => [body.nhsNumber, body.mrn, body.personId].filter((value) => value !== undefined).length <= 1, {
    message: 'give at most one of nhsNumber, mrn and personId',
  });

export interface LiveEventRequest {
  /** Drawn by the simulator's policy when absent. */
  type?: LiveEventType;
  nhsNumber?: string;
  mrn?: string;
  personId?: string;
}

export interface LiveEventOutcome {
  /** The event asked for. */
  event: SandboxEvent;
  /** Everything emitted, in order (an admission first registers its A&E attendance). */
  emitted: SandboxEvent[];
  /** Ids of the items added to the trust's history. */
  created: string[];
  /** Ids of the items changed (the attendance an admission ends, the admission a discharge closes). */
  updated: string[];
}

export type LiveEventErrorCode = 'unknown-patient' | 'no-acute-record' | 'deceased' | 'not-admitted' | 'already-admitted' | 'no-candidate';

export class LiveEventError extends Error {
  constructor(
    readonly code: LiveEventErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LiveEventError';
  }

  /** 404 when there is no such patient at the trust, 409 when the patient's state forbids it. */
  get status(): 404 | 409 {
    return this.code === 'unknown-patient' || this.code === 'no-acute-record' ? 404 : 409;
  }
}

/** No more than this many live admissions are open at once, so discharges keep pace. */
export const MAX_OPEN_ADMISSIONS = 3;

/**
 * Makes one event happen. Choices come from a stream seeded by the population seed and the
 * event's sequence number, so the same calls in the same order give the same events.
 */
export function simulateEvent(context: SandboxContext, request: LiveEventRequest = {}): LiveEventOutcome {
  const state = stateOf(context);
  const sequence = state.sequence++;
  const random = eventStream(context.population.seed, sequence);
  const now = context.now();
  const requested = resolvePatient(context, request);
  const type = request.type ?? drawType(random, state);
  const session: EventSession = { context, state, random, now, sequence, emitted: [], created: [], updated: [] };
  switch (type) {
    case 'attendance':
      return attend(session, requested ?? pickPatient(session, 'not-admitted'));
    case 'admission':
      return admit(session, requested ?? pickPatient(session, 'not-admitted'));
    case 'discharge':
      return discharge(session, requested);
    case 'result':
      return reportResult(session, requested ?? pickPatient(session, 'any'));
  }
}

/** Runs simulateEvent on an interval while the sandbox runs. */
export class LiveEventSimulator {
  private timer?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    private readonly context: SandboxContext,
    private readonly intervalMs: number,
  ) {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw new Error(`eventIntervalMs must be a positive number of milliseconds, not ${intervalMs}`);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // The simulator never keeps a process alive on its own.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One event drawn by the policy; undefined when none could happen (nobody to pick). */
  tick(): LiveEventOutcome | undefined {
    try {
      return simulateEvent(this.context);
    } catch (error) {
      if (!(error instanceof LiveEventError)) throw error;
      this.failures += 1;
      return undefined;
    }
  }

  /** Ticks that found nothing to do. */
  get skipped(): number {
    return this.failures;
  }
}

/** Open admissions the trust knows of, oldest first (live ones, and any found in histories). */
export function openAdmissions(context: SandboxContext): Array<{ personId: string; encounterId: string }> {
  return [...stateOf(context).openAdmissions].map(([encounterId, personId]) => ({ encounterId, personId }));
}

interface LiveEventState {
  sequence: number;
  /** encounterId → personId, in admission order, so the longest stay is discharged first. */
  openAdmissions: Map<string, string>;
  /** Living people with a trust record, built on first use. */
  candidates?: string[];
}

interface EventSession {
  context: SandboxContext;
  state: LiveEventState;
  random: SeededRandom;
  now: Date;
  sequence: number;
  emitted: SandboxEvent[];
  created: string[];
  updated: string[];
}

interface Patient {
  person: Person;
  record: SystemRecord;
}

const states = new WeakMap<SandboxContext, LiveEventState>();

/**
 * The stream for the n-th event. The first draws of streams derived from neighbouring parts are
 * correlated (xoroshiro128+ from a 32-bit seed), so a few are discarded before any is used.
 */
function eventStream(seed: number, sequence: number): SeededRandom {
  const random = SeededRandom.derive(seed, 'live-events', sequence);
  for (let draw = 0; draw < 4; draw++) random.float();
  return random;
}

function stateOf(context: SandboxContext): LiveEventState {
  let state = states.get(context);
  if (!state) {
    state = { sequence: 0, openAdmissions: new Map() };
    states.set(context, state);
  }
  return state;
}

function drawType(random: SeededRandom, state: LiveEventState): LiveEventType {
  const open = state.openAdmissions.size;
  // Discharges outweigh admissions while anyone is in, so every admission ends in a discharge.
  return random.weighted<LiveEventType>([
    ['attendance', 3],
    ['result', 3],
    ['admission', open >= MAX_OPEN_ADMISSIONS ? 0 : open === 0 ? 2 : 1],
    ['discharge', open === 0 ? 0 : 2 + open],
  ]);
}

function resolvePatient(context: SandboxContext, request: LiveEventRequest): Patient | undefined {
  const directory = context.directories.acute;
  let personId: string | undefined;
  if (request.personId !== undefined) {
    if (!context.people.has(request.personId)) throw new LiveEventError('unknown-patient', 'no person with that id');
    personId = request.personId;
  } else if (request.nhsNumber !== undefined) {
    const records = directory.byNhsNumber.get(request.nhsNumber) ?? [];
    personId = (records.find((record) => !record.duplicateOf) ?? records[0])?.personId;
    if (!personId) throw new LiveEventError('no-acute-record', 'the trust holds no patient with that NHS number');
  } else if (request.mrn !== undefined) {
    personId = directory.byLocalId.get(request.mrn)?.personId;
    if (!personId) throw new LiveEventError('no-acute-record', 'the trust holds no patient with that MRN');
  } else {
    return undefined;
  }
  const person = context.people.get(personId) as Person;
  const record = primaryAcuteRecord(context, personId);
  if (!record) throw new LiveEventError('no-acute-record', 'the person has no record at the trust');
  if (person.deathDate) throw new LiveEventError('deceased', 'the patient is recorded as deceased');
  return { person, record };
}

/** A living trust patient drawn from the session's stream, optionally one not in hospital now. */
function pickPatient(session: EventSession, which: 'any' | 'not-admitted'): Patient {
  const { context, state, random } = session;
  state.candidates ??= context.directories.acute.records
    .filter((record) => !record.duplicateOf && !context.people.get(record.personId)?.deathDate)
    .map((record) => record.personId);
  if (state.candidates.length === 0) throw new LiveEventError('no-candidate', 'the trust has no living patients');
  for (let attempt = 0; attempt < 20; attempt++) {
    const personId = random.pick(state.candidates);
    if (which === 'not-admitted' && openAdmissionOf(context, personId)) continue;
    return { person: context.people.get(personId) as Person, record: primaryAcuteRecord(context, personId) as SystemRecord };
  }
  throw new LiveEventError('no-candidate', 'no patient out of hospital was found');
}

/** The person's open admission at the trust, remembered so the simulator discharges it in turn. */
function openAdmissionOf(context: SandboxContext, personId: string): EncounterItem | undefined {
  const encounters = context.histories.forSystem(personId, 'acute')?.encounters ?? [];
  const open = encounters.filter((item) => item.type === 'inpatient-admission' && !item.end).sort((a, b) => a.start.localeCompare(b.start));
  const state = stateOf(context);
  for (const item of open) if (!state.openAdmissions.has(item.id)) state.openAdmissions.set(item.id, personId);
  return open.at(-1);
}

function attend(session: EventSession, patient: Patient): LiveEventOutcome {
  if (openAdmissionOf(session.context, patient.person.id)) throw new LiveEventError('already-admitted', 'the patient is in hospital');
  const attendance = newAttendance(session, patient, pickCoding(session.random, ACUTE_PROBLEMS));
  add(session, patient, attendance);
  const event: SandboxEvent = { type: 'attendance', personId: patient.person.id, encounterId: attendance.id };
  return emit(session, event);
}

function admit(session: EventSession, patient: Patient): LiveEventOutcome {
  const { context, random, now } = session;
  if (openAdmissionOf(context, patient.person.id)) throw new LiveEventError('already-admitted', 'the patient is already in hospital');
  const reason = pickCoding(random, ADMISSION_REASONS);
  const attendance = newAttendance(session, patient, reason);
  add(session, patient, attendance);
  emit(session, { type: 'attendance', personId: patient.person.id, encounterId: attendance.id });
  const admission: EncounterItem = {
    id: itemId(patient, 'encounter', session.sequence, 'admission'),
    kind: 'encounter',
    system: 'acute',
    organisationCode: ACUTE_TRUST.code,
    recordedAt: now.toISOString(),
    type: 'inpatient-admission',
    start: now.toISOString(),
    reason,
    location: ACUTE_TRUST.name,
    ward: random.pick(WARDS),
    practitioner: clinicianName(random),
    admittedFromId: attendance.id,
  };
  add(session, patient, admission);
  session.state.openAdmissions.set(admission.id, patient.person.id);
  return emit(session, { type: 'admission', personId: patient.person.id, encounterId: admission.id });
}

function discharge(session: EventSession, requested: Patient | undefined): LiveEventOutcome {
  const { context, state, random, now } = session;
  let patient = requested;
  let admission = patient && openAdmissionOf(context, patient.person.id);
  if (patient && !admission) throw new LiveEventError('not-admitted', 'the patient has no open admission');
  // Without a named patient, the longest stay goes home first.
  for (const [encounterId, personId] of state.openAdmissions) {
    if (admission) break;
    const found = context.histories.forSystem(personId, 'acute')?.encounters.find((item) => item.id === encounterId);
    if (found && !found.end) {
      patient = { person: context.people.get(personId) as Person, record: primaryAcuteRecord(context, personId) as SystemRecord };
      admission = found;
    } else state.openAdmissions.delete(encounterId);
  }
  if (!patient || !admission) throw new LiveEventError('not-admitted', 'nobody is in hospital');
  const end = new Date(Math.max(now.getTime(), Date.parse(admission.start)));
  const closed: EncounterItem = {
    ...admission,
    end: end.toISOString(),
    dischargeDisposition: random.weighted<Coding>([
      [DISCHARGE.home, 84],
      [DISCHARGE.residentialHome, 8],
      [DISCHARGE.nursingHome, 8],
    ]),
  };
  context.histories.update(patient.person.id, closed);
  state.openAdmissions.delete(admission.id);
  session.updated.push(closed.id);
  return emit(session, { type: 'discharge', personId: patient.person.id, encounterId: closed.id });
}

function reportResult(session: EventSession, patient: Patient): LiveEventOutcome {
  const { context, random, now, sequence } = session;
  const { person } = patient;
  const diabetic = person.care.conditions.includes('diabetes');
  const panel = random.weighted<keyof typeof LAB_PANELS>(
    diabetic
      ? [
          ['hba1c', 5],
          ['ureaAndElectrolytes', 3],
          ['fullBloodCount', 2],
        ]
      : [
          ['fullBloodCount', 5],
          ['ureaAndElectrolytes', 4],
          ['hba1c', 1],
        ],
  );
  const admission = openAdmissionOf(context, person.id);
  const collected = new Date(now.getTime() - random.int(30, 180) * 60_000).toISOString();
  const reportId = itemId(patient, 'diagnostic-report', sequence);
  const values = labValues(random, person, LAB_PANELS[panel].tests, now);
  const results: ObservationItem[] = values.map(({ key, value, range }, index) => ({
    id: itemId(patient, 'observation', sequence, String(index + 1)),
    kind: 'observation',
    system: 'acute',
    organisationCode: ACUTE_TRUST.code,
    recordedAt: now.toISOString(),
    code: OBSERVATIONS[key].code,
    category: 'laboratory',
    effective: collected,
    value,
    unit: OBSERVATIONS[key].unit,
    referenceRange: range,
    reportId,
    encounterId: admission?.id,
  }));
  const report: DiagnosticReportItem = {
    id: reportId,
    kind: 'diagnostic-report',
    system: 'acute',
    organisationCode: ACUTE_TRUST.code,
    recordedAt: now.toISOString(),
    code: LAB_PANELS[panel].code,
    issued: now.toISOString(),
    resultIds: results.map((result) => result.id),
    encounterId: admission?.id,
  };
  for (const result of results) add(session, patient, result);
  add(session, patient, report);
  return emit(session, { type: 'result', personId: person.id, reportId });
}

function newAttendance(session: EventSession, patient: Patient, reason: Coding): EncounterItem {
  const { random, now } = session;
  // Sent once the patient leaves the department, so it carries both arrival and departure.
  const start = new Date(now.getTime() - random.int(60, 330) * 60_000);
  return {
    id: itemId(patient, 'encounter', session.sequence, 'attendance'),
    kind: 'encounter',
    system: 'acute',
    organisationCode: ACUTE_TRUST.code,
    recordedAt: now.toISOString(),
    type: 'ae-attendance',
    start: start.toISOString(),
    end: now.toISOString(),
    reason,
    location: 'Emergency Department',
    practitioner: clinicianName(random),
  };
}

function add(session: EventSession, patient: Patient, item: EncounterItem | ObservationItem | DiagnosticReportItem): void {
  session.context.histories.add(patient.person.id, item);
  session.created.push(item.id);
}

function emit(session: EventSession, event: SandboxEvent): LiveEventOutcome {
  session.emitted.push(event);
  session.context.events.emit('event', event);
  return { event, emitted: [...session.emitted], created: [...session.created], updated: [...session.updated] };
}

/** Live items are numbered apart from generated ones (L<sequence>), so ids never collide. */
function itemId(patient: Patient, kind: string, sequence: number, suffix?: string): string {
  return `${patient.person.id}-${kind}-L${sequence}${suffix ? `-${suffix}` : ''}`;
}

function clinicianName(random: SeededRandom): string {
  return `Dr ${INITIALS.charAt(random.int(0, INITIALS.length - 1))} ${random.pick(CLINICIAN_SURNAMES)}`;
}

function pickCoding(random: SeededRandom, codings: readonly Coding[]): Coding {
  return random.pick(codings);
}

interface LabValue {
  key: ObservationKey;
  value: number;
  range: { low?: number; high?: number };
}

/** Plausible results: mostly within range, with the tails a hospital population shows. */
function labValues(random: SeededRandom, person: Person, tests: readonly ObservationKey[], now: Date): LabValue[] {
  const male = person.sex === 'male';
  const diabetic = person.care.conditions.includes('diabetes');
  const kidneys = person.care.conditions.includes('ckd');
  const values: LabValue[] = [];
  let creatinine: number | undefined;
  for (const key of tests) {
    switch (key) {
      case 'haemoglobin':
        values.push({
          key,
          value: random.measurement(male ? 145 : 132, 15, 60, 195),
          range: male ? { low: 130, high: 180 } : { low: 115, high: 165 },
        });
        break;
      case 'whiteCells':
        values.push({ key, value: random.measurement(7.4, 2.6, 1.2, 28, 1), range: { low: 4, high: 11 } });
        break;
      case 'platelets':
        values.push({ key, value: random.measurement(265, 75, 35, 750), range: { low: 150, high: 400 } });
        break;
      case 'sodium':
        values.push({ key, value: random.measurement(139, 3.2, 118, 158), range: { low: 133, high: 146 } });
        break;
      case 'potassium':
        values.push({ key, value: random.measurement(4.3, 0.45, 2.6, 6.9, 1), range: { low: 3.5, high: 5.3 } });
        break;
      case 'creatinine':
        creatinine = random.measurement((male ? 84 : 67) * (kidneys ? 1.7 : 1), kidneys ? 30 : 15, 35, 650);
        values.push({ key, value: creatinine, range: male ? { low: 59, high: 104 } : { low: 45, high: 84 } });
        break;
      case 'egfr':
        values.push({ key, value: egfr(creatinine ?? (male ? 84 : 67), person, now), range: { low: 60 } });
        break;
      case 'hba1c':
        values.push({
          key,
          value: diabetic ? random.measurement(60, 13, 38, 130) : random.measurement(37, 4, 25, 47),
          range: { low: 20, high: 41 },
        });
        break;
      default:
        // Tests no panel above uses; a panel gaining one gets no value rather than a made-up one.
        break;
    }
  }
  return values;
}

/** CKD-EPI 2009 (without the ethnicity term, as UK laboratories report it), capped at 90. */
function egfr(creatinineMicromolar: number, person: Person, now: Date): number {
  const age = Math.max(18, (now.getTime() - Date.parse(person.birthDate)) / (365.25 * 86_400_000));
  const female = person.sex === 'female';
  const kappa = female ? 0.7 : 0.9;
  const alpha = female ? -0.329 : -0.411;
  const ratio = creatinineMicromolar / 88.4 / kappa;
  const value = 141 * Math.min(ratio, 1) ** alpha * Math.max(ratio, 1) ** -1.209 * 0.993 ** age * (female ? 1.018 : 1);
  return Math.min(90, Math.round(value));
}
