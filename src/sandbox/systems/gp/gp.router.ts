import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import { NHS_NUMBER_SYSTEM } from '../../../fhir/index.js';
import { ACUTE_TRUST } from '../../population/reference-data/organisations.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import {
  AppointmentBook,
  fromHistory,
  historyAppointmentId,
  parseHistoryAppointmentId,
  type BookedAppointment,
} from './appointment-book.js';
import { appointmentResource, capabilityStatement, scheduleResource, searchset, slotResource } from './appointment.resources.js';
import { EXTENSION } from './gp-connect.constants.js';
import { GpConnectError } from './gp-connect.errors.js';
import { GpPatients, requireNhsNumber, type GpPatient } from './gp-patients.js';
import { GpPractices, type Practice } from './gp-practices.js';
import { boundToMs, MAX_SEARCH_DAYS, slotsBetween } from './slot-calendar.js';
import { assembleStructuredRecord } from './structured-record.bundle.js';
import { parseStructuredRecordRequest } from './structured-record.parameters.js';
import type { Resource } from './stu3-types.js';

// The borough's GP practices' system, speaking GP Connect (FHIR STU3). Each practice has its
// own endpoints, as GP Connect providers do:
//   /gp/<ODS>/STU3/1/gpconnect/structured/fhir   Access Record: Structured ($gpc.getstructuredrecord)
//   /gp/<ODS>/STU3/1/gpconnect/fhir              foundations and appointment management
// The same paths without /<ODS> answer for every practice at once (a sandbox shortcut).

const STRUCTURED_BASE = '/STU3/1/gpconnect/structured/fhir';
const FHIR_BASE = '/STU3/1/gpconnect/fhir';
const DAY_MS = 86_400_000;

export function gpRouter(context: SandboxContext): Router {
  const practices = new GpPractices(context.population.organisations);
  const patients = new GpPatients(context, practices);
  const book = new AppointmentBook(() => context.now());
  const laboratory = context.population.organisations.find((organisation) => organisation.kind === 'acute-trust') ?? ACUTE_TRUST;

  /** Today for date rules: the population's reference date, or the clock once it has passed it. */
  const today = (): string => {
    const clock = context.now().toISOString().slice(0, 10);
    return clock > context.population.referenceDate ? clock : context.population.referenceDate;
  };
  const practiceOf = (response: Response): Practice | undefined => response.locals.practice as Practice | undefined;
  const baseUrl = (request: Request): string => `${context.publicUrl}${request.baseUrl}`;

  // ---- Access Record: Structured

  const structured = express.Router({ mergeParams: true });
  structured.post('/Patient/\\$gpc.getstructuredrecord', (request, response) => {
    const parameters = parseStructuredRecordRequest(request.body, today());
    const patient = patients.forStructuredRecord(parameters.nhsNumber, practiceOf(response));
    // A duplicate registration is a bare demographic record: its clinical record lives on the primary one.
    const history = patient.record.duplicateOf ? undefined : context.histories.forSystem(patient.record.personId, 'gp');
    const bundle = assembleStructuredRecord(patient, history, parameters, {
      patients,
      practices,
      laboratory,
      recordDate: context.population.referenceDate,
      now: context.now().toISOString(),
    });
    send(response, 200, bundle);
  });
  structured.get('/metadata', (_request, response) => send(response, 200, capabilityStatement(context.population.referenceDate)));

  // ---- foundations and appointment management

  const fhir = express.Router({ mergeParams: true });
  fhir.get('/metadata', (_request, response) => send(response, 200, capabilityStatement(context.population.referenceDate)));

  fhir.get('/Patient', (request, response) => {
    const identifiers = queryValues(request.query.identifier);
    if (identifiers.length !== 1)
      throw new GpConnectError('BAD_REQUEST', 'search by one identifier: identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number>');
    const [system, value] = splitToken(identifiers[0] as string);
    if (system !== NHS_NUMBER_SYSTEM)
      throw new GpConnectError('INVALID_IDENTIFIER_SYSTEM', `the identifier system must be ${NHS_NUMBER_SYSTEM}`);
    const found = patients.search(requireNhsNumber(value), practiceOf(response));
    const bundle = searchset(
      found.map((patient) => ({ resource: patients.patientResource(patient), mode: 'match' as const })),
      baseUrl(request),
      `${baseUrl(request)}${request.url}`,
    );
    send(response, 200, bundle);
  });

  fhir.get('/Patient/:id', (request, response) => {
    send(response, 200, patients.patientResource(requirePatient(String(request.params.id), practiceOf(response))));
  });

  fhir.get('/Patient/:id/Appointment', (request, response) => {
    const practice = practiceOf(response);
    const patient = requirePatient(String(request.params.id), practice);
    const { from, to } = searchWindow(queryValues(request.query.start), []);
    const appointments = [...historyAppointments(patient), ...book.forPatient(patient.record.localId)]
      .filter((appointment) => !practice || appointment.practiceCode === practice.organisation.code)
      .filter((appointment) => {
        const start = Date.parse(appointment.start);
        return (from === undefined || start >= from) && (to === undefined || start <= to);
      })
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const bundle = searchset(
      appointments.map((appointment) => ({ resource: renderAppointment(appointment), mode: 'match' as const })),
      baseUrl(request),
      `${baseUrl(request)}${request.url}`,
    );
    send(response, 200, bundle);
  });

  fhir.get('/Slot', (request, response) => {
    const practice = practiceOf(response);
    if (!practice) throw new GpConnectError('BAD_REQUEST', 'slots belong to a practice: search /gp/<ODS code>/STU3/1/gpconnect/fhir/Slot');
    const statuses = queryValues(request.query.status);
    if (statuses.length !== 1 || statuses[0] !== 'free')
      throw new GpConnectError('INVALID_PARAMETER', 'a free slot search needs status=free');
    const { from, to } = searchWindow(queryValues(request.query.start), queryValues(request.query.end));
    if (from === undefined || to === undefined) {
      throw new GpConnectError(
        'INVALID_PARAMETER',
        'a free slot search needs a start (start=ge<date>) and an end (end=le<date> or start=le<date>)',
      );
    }
    if (to < from) throw new GpConnectError('INVALID_PARAMETER', 'the search window ends before it starts');
    if (to - from > MAX_SEARCH_DAYS * DAY_MS)
      throw new GpConnectError('INVALID_PARAMETER', `the search window may not exceed ${MAX_SEARCH_DAYS} days`);

    const free = slotsBetween(practice.organisation.code, from, to).filter((slot) => book.isFree(slot));
    const includes = new Set([...queryValues(request.query._include), ...queryValues(request.query['_include:recurse'])]);
    const entries: Array<{ resource: Resource; mode: 'match' | 'include' }> = free.map((slot) => ({
      resource: slotResource(slot, 'free'),
      mode: 'match',
    }));
    if (includes.has('Slot:schedule') && free.length > 0) {
      const horizon = { start: new Date(from).toISOString(), end: new Date(to).toISOString() };
      const schedules = [...new Set(free.map((slot) => slot.schedule))].sort();
      for (const schedule of schedules)
        entries.push({ resource: scheduleResource(practices, practice, schedule, horizon), mode: 'include' });
      if (includes.has('Schedule:actor:Practitioner')) {
        for (const schedule of schedules)
          entries.push({ resource: practices.practitionerResource(practices.scheduleGp(practice, schedule)), mode: 'include' });
      }
      if (includes.has('Schedule:actor:Location')) {
        entries.push({ resource: practices.locationResource(practice), mode: 'include' });
        if (includes.has('Location:managingOrganization'))
          entries.push({ resource: practices.organizationResource(practice), mode: 'include' });
      }
    }
    send(response, 200, searchset(entries, baseUrl(request), `${baseUrl(request)}${request.url}`));
  });

  fhir.post('/Appointment', (request, response) => {
    const body = requireAppointment(request.body);
    if (body.id !== undefined) throw new GpConnectError('INVALID_RESOURCE', 'an Appointment to book must not carry an id');
    if (body.status !== 'booked') throw new GpConnectError('INVALID_RESOURCE', 'a new Appointment must have status booked');
    if (body.reason !== undefined)
      throw new GpConnectError(
        'INVALID_RESOURCE',
        'Appointment.reason must not be sent (GP Connect carries no clinical content in bookings)',
      );
    const patientId = referenceId(body.participant, 'Patient');
    if (!patientId) throw new GpConnectError('INVALID_RESOURCE', 'the Appointment needs a participant whose actor is Patient/<id>');
    const patient = patients.byId(patientId, practiceOf(response));
    if (!patient || patient.record.deathDate)
      throw new GpConnectError('REFERENCE_NOT_FOUND', `Patient/${patientId} is not registered at this practice`);
    const appointment = book.book({
      practiceCode: patient.practice.organisation.code,
      patientId,
      slotIds: slotIds(body.slot),
      start: requireDateTime(body.start, 'start'),
      end: requireDateTime(body.end, 'end'),
      description: requireText(body.description, 'description'),
      ...(typeof body.comment === 'string' ? { comment: body.comment } : {}),
      bookingOrganisation: bookingOrganisation(body),
    });
    response.location(`${baseUrl(request)}/Appointment/${appointment.id}`);
    response.setHeader('ETag', `W/"${appointment.version}"`);
    send(response, 201, renderAppointment(appointment));
  });

  fhir.get('/Appointment/:id', (request, response) => {
    const appointment = findAppointment(String(request.params.id), practiceOf(response));
    response.setHeader('ETag', `W/"${appointment.version}"`);
    send(response, 200, renderAppointment(appointment));
  });

  fhir.put('/Appointment/:id', (request, response) => {
    const id = String(request.params.id);
    const body = requireAppointment(request.body);
    if (body.id !== id) throw new GpConnectError('BAD_REQUEST', 'the Appointment id in the body must match the id in the URL');
    const existing = findAppointment(id, practiceOf(response));
    let saved: BookedAppointment;
    if (body.status === 'cancelled') {
      saved = book.cancel(existing, cancellationReason(body));
    } else if (body.status === existing.status) {
      const sameSlots = slotIds(body.slot).sort().join() === [...existing.slotIds].sort().join();
      if (
        Date.parse(requireDateTime(body.start, 'start')) !== Date.parse(existing.start) ||
        Date.parse(requireDateTime(body.end, 'end')) !== Date.parse(existing.end) ||
        !sameSlots
      ) {
        throw new GpConnectError(
          'INVALID_RESOURCE',
          'an amendment may change only the description and comment; book a new appointment to move it',
        );
      }
      saved = book.amend(existing, {
        description: requireText(body.description, 'description'),
        ...(typeof body.comment === 'string' ? { comment: body.comment } : {}),
      });
    } else {
      throw new GpConnectError(
        'INVALID_RESOURCE',
        `an appointment can be amended (status ${existing.status}) or cancelled (status cancelled), not set to ${String(body.status)}`,
      );
    }
    response.setHeader('ETag', `W/"${saved.version}"`);
    send(response, 200, renderAppointment(saved));
  });

  // ---- mounting and errors

  const router = express.Router();
  const notImplemented = (request: Request, _response: Response, next: NextFunction) => {
    next(new GpConnectError('NOT_IMPLEMENTED', `the GP system does not implement ${request.method} ${request.originalUrl.split('?')[0]}`));
  };
  structured.use(notImplemented);
  fhir.use(notImplemented);
  router.use(STRUCTURED_BASE, structured);
  router.use(FHIR_BASE, fhir);
  const resolvePractice = (request: Request, response: Response, next: NextFunction) => {
    const practice = practices.get(String(request.params.odsCode).toUpperCase());
    if (!practice) {
      next(new GpConnectError('ORGANISATION_NOT_FOUND', `no GP practice has the ODS code ${String(request.params.odsCode)}`));
      return;
    }
    response.locals.practice = practice;
    next();
  };
  router.use(`/:odsCode${STRUCTURED_BASE}`, resolvePractice, structured);
  router.use(`/:odsCode${FHIR_BASE}`, resolvePractice, fhir);
  router.use(notImplemented);
  router.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const known = error instanceof GpConnectError ? error : new GpConnectError('INTERNAL_SERVER_ERROR', 'the simulated GP system failed');
    send(response, known.status, known.toOperationOutcome());
  });
  return router;

  // ---- helpers that need the system's state

  function requirePatient(id: string, practice: Practice | undefined): GpPatient {
    const patient = patients.byId(id, practice);
    if (!patient || patient.record.deathDate)
      throw new GpConnectError('PATIENT_NOT_FOUND', `no patient ${id} is registered${practice ? ` at ${practice.organisation.code}` : ''}`);
    return patient;
  }

  /** The patient's appointments in the GP history, as this system serves them (changes made since included). */
  function historyAppointments(patient: GpPatient): BookedAppointment[] {
    if (patient.record.duplicateOf) return [];
    const items = context.histories.forSystem(patient.record.personId, 'gp')?.appointments ?? [];
    const localId = patient.record.localId;
    return items.map((item, index) => book.adopt(fromHistory(item, historyAppointmentId(localId, index), localId)));
  }

  function findAppointment(id: string, practice: Practice | undefined): BookedAppointment {
    let appointment = book.get(id);
    const fromPatient = parseHistoryAppointmentId(id);
    if (!appointment && fromPatient) {
      const record = context.directories.gp.byLocalId.get(fromPatient.patientId);
      if (record && !record.duplicateOf) {
        const item = context.histories.forSystem(record.personId, 'gp')?.appointments[fromPatient.index];
        if (item) appointment = fromHistory(item, id, record.localId);
      }
    }
    if (!appointment || (practice && appointment.practiceCode !== practice.organisation.code)) {
      throw new GpConnectError('NO_RECORD_FOUND', `no Appointment/${id}${practice ? ` at ${practice.organisation.code}` : ''}`);
    }
    return appointment;
  }

  function renderAppointment(appointment: BookedAppointment) {
    const practice = practices.get(appointment.practiceCode);
    if (!practice) throw new GpConnectError('INTERNAL_SERVER_ERROR', 'the appointment belongs to an unknown practice');
    return appointmentResource(appointment, practices, practice);
  }
}

function send(response: Response, status: number, body: unknown): void {
  response.status(status).type('application/fhir+json; charset=utf-8').send(JSON.stringify(body));
}

/** A query parameter's values, however many times it was given. */
function queryValues(value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

function splitToken(token: string): [string, string] {
  const bar = token.indexOf('|');
  return bar < 0 ? ['', token] : [token.slice(0, bar), token.slice(bar + 1)];
}

/** The window of FHIR date searches: `ge`/`gt` bounds from below, `le`/`lt` from above (on start or end). */
function searchWindow(starts: string[], ends: string[]): { from?: number; to?: number } {
  let from: number | undefined;
  let to: number | undefined;
  for (const value of [...starts, ...ends]) {
    const match = /^(ge|gt|le|lt|eq)?(.+)$/.exec(value);
    const prefix = match?.[1] ?? 'eq';
    const bound = match?.[2] ?? '';
    const lower = prefix === 'ge' || prefix === 'gt' || prefix === 'eq' ? boundToMs(bound, 'lower') : undefined;
    const upper = prefix === 'le' || prefix === 'lt' || prefix === 'eq' ? boundToMs(bound, 'upper') : undefined;
    if (lower === undefined && upper === undefined) {
      throw new GpConnectError('INVALID_PARAMETER', `${value} is not a date search (ge2025-01-20, le2025-01-31T18:00:00+00:00)`);
    }
    if (lower !== undefined) from = from === undefined ? lower : Math.max(from, lower);
    if (upper !== undefined) to = to === undefined ? upper : Math.min(to, upper);
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

interface AppointmentBody {
  resourceType: 'Appointment';
  id?: unknown;
  status?: unknown;
  reason?: unknown;
  start?: unknown;
  end?: unknown;
  slot?: unknown;
  participant?: unknown;
  description?: unknown;
  comment?: unknown;
  contained?: unknown;
  extension?: unknown;
}

function requireAppointment(body: unknown): AppointmentBody {
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Appointment') {
    throw new GpConnectError('INVALID_RESOURCE', 'the request body must be a FHIR Appointment resource');
  }
  return body as AppointmentBody;
}

function requireDateTime(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new GpConnectError('INVALID_RESOURCE', `Appointment.${field} must be a date-time with an offset`);
  }
  return value;
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new GpConnectError('INVALID_RESOURCE', `Appointment.${field} is required`);
  return value;
}

function slotIds(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new GpConnectError('INVALID_RESOURCE', 'the Appointment must reference at least one Slot');
  return value.map((slot) => {
    const reference = typeof slot === 'object' && slot !== null ? (slot as { reference?: unknown }).reference : undefined;
    const match = typeof reference === 'string' ? /^Slot\/([A-Za-z0-9\-.]{1,64})$/.exec(reference) : null;
    if (!match) throw new GpConnectError('INVALID_RESOURCE', 'Appointment.slot references must read Slot/<id>');
    return match[1] as string;
  });
}

/** The id of the first participant whose actor references the given resource type. */
function referenceId(participants: unknown, type: string): string | undefined {
  if (!Array.isArray(participants)) return undefined;
  for (const participant of participants) {
    const reference = (participant as { actor?: { reference?: unknown } } | null)?.actor?.reference;
    if (typeof reference === 'string' && reference.startsWith(`${type}/`)) return reference.slice(type.length + 1);
  }
  return undefined;
}

/** GP Connect requires the booking organisation: a contained Organization named by an extension. */
function bookingOrganisation(body: AppointmentBody): Record<string, unknown> {
  const extension = Array.isArray(body.extension)
    ? (body.extension as Array<{ url?: unknown; valueReference?: { reference?: unknown } }>).find(
        (item) => item?.url === EXTENSION.bookingOrganisation,
      )
    : undefined;
  const reference = extension?.valueReference?.reference;
  const contained = Array.isArray(body.contained) ? (body.contained as Array<Record<string, unknown>>) : [];
  const organisation = typeof reference === 'string' ? contained.find((resource) => `#${String(resource?.id)}` === reference) : undefined;
  if (!organisation || organisation.resourceType !== 'Organization') {
    throw new GpConnectError(
      'INVALID_RESOURCE',
      'the Appointment must name its booking organisation (a contained Organization referenced by the BookingOrganisation extension)',
    );
  }
  return organisation;
}

function cancellationReason(body: AppointmentBody): string | undefined {
  if (!Array.isArray(body.extension)) return undefined;
  const reason = (body.extension as Array<{ url?: unknown; valueString?: unknown }>).find(
    (item) => item?.url === EXTENSION.cancellationReason,
  )?.valueString;
  return typeof reason === 'string' ? reason : undefined;
}
