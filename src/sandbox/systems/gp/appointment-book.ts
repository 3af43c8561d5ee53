import type { AppointmentItem } from '../../population/clinical-history.types.js';
import { GpConnectError } from './gp-connect.errors.js';
import { slotById, takenAtStart, type SlotTime } from './slot-calendar.js';

/** An appointment the GP system holds: booked through the API, or from the patient's history. */
export interface BookedAppointment {
  id: string;
  version: number;
  practiceCode: string;
  /** The patient's logical id (the GP record's local id). */
  patientId: string;
  status: 'booked' | 'fulfilled' | 'cancelled' | 'noshow';
  start: string;
  end: string;
  slotIds: string[];
  /** Clinician name, for appointments from the history. */
  practitioner?: string;
  description: string;
  comment?: string;
  created: string;
  lastUpdated: string;
  /** The booking organisation the consumer sent (a contained Organization), kept as sent. */
  bookingOrganisation?: Record<string, unknown>;
  cancellationReason?: string;
}

export interface BookingRequest {
  practiceCode: string;
  patientId: string;
  slotIds: string[];
  start: string;
  end: string;
  description: string;
  comment?: string;
  bookingOrganisation: Record<string, unknown>;
}

/**
 * The practices' appointment state while the sandbox runs: which generated slots have been
 * booked, the appointments booked through GP Connect, and changes made to appointments from
 * patients' histories. Nothing here survives a restart, as nothing in the sandbox does.
 */
export class AppointmentBook {
  private readonly appointments = new Map<string, BookedAppointment>();
  private readonly slotHolders = new Map<string, string>();
  private readonly byPatient = new Map<string, string[]>();
  private sequence = 0;

  constructor(private readonly now: () => Date) {}

  /** Free unless taken at start, booked since, or already begun. */
  isFree(slot: SlotTime): boolean {
    return !this.slotHolders.has(slot.id) && !takenAtStart(slot) && slot.startMs > this.now().getTime();
  }

  get(id: string): BookedAppointment | undefined {
    return this.appointments.get(id);
  }

  /** Appointments booked through the API for a patient. */
  forPatient(patientId: string): BookedAppointment[] {
    return (this.byPatient.get(patientId) ?? []).map((id) => this.appointments.get(id)).filter((appointment) => appointment !== undefined);
  }

  book(request: BookingRequest): BookedAppointment {
    const slots = request.slotIds.map((id) => {
      const slot = slotById(id);
      if (!slot || slot.practiceCode !== request.practiceCode)
        throw new GpConnectError('REFERENCE_NOT_FOUND', `Slot/${id} does not exist at ${request.practiceCode}`);
      return slot;
    });
    slots.sort((a, b) => a.startMs - b.startMs);
    for (let index = 1; index < slots.length; index++) {
      const previous = slots[index - 1] as SlotTime;
      const slot = slots[index] as SlotTime;
      if (slot.schedule !== previous.schedule || slot.startMs !== previous.endMs) {
        throw new GpConnectError('INVALID_RESOURCE', 'the slots of one appointment must follow each other in the same schedule');
      }
    }
    const first = slots[0] as SlotTime;
    const last = slots[slots.length - 1] as SlotTime;
    if (Date.parse(request.start) !== first.startMs || Date.parse(request.end) !== last.endMs) {
      throw new GpConnectError('INVALID_RESOURCE', `the appointment must start at ${first.start} and end at ${last.end}, as its slots do`);
    }
    const unavailable = slots.find((slot) => !this.isFree(slot));
    if (unavailable) throw new GpConnectError('DUPLICATE_REJECTED', `Slot/${unavailable.id} is no longer free`);

    const now = this.now().toISOString();
    const appointment: BookedAppointment = {
      id: String(++this.sequence),
      version: 1,
      practiceCode: request.practiceCode,
      patientId: request.patientId,
      status: 'booked',
      start: first.start,
      end: last.end,
      slotIds: slots.map((slot) => slot.id),
      description: request.description,
      ...(request.comment ? { comment: request.comment } : {}),
      created: now,
      lastUpdated: now,
      bookingOrganisation: request.bookingOrganisation,
    };
    this.appointments.set(appointment.id, appointment);
    for (const slot of slots) this.slotHolders.set(slot.id, appointment.id);
    this.byPatient.set(request.patientId, [...(this.byPatient.get(request.patientId) ?? []), appointment.id]);
    return appointment;
  }

  /** Cancels a booked appointment and frees its slots. */
  cancel(appointment: BookedAppointment, reason: string | undefined): BookedAppointment {
    this.requireChangeable(appointment);
    const cancelled = this.save({ ...appointment, status: 'cancelled', ...(reason ? { cancellationReason: reason } : {}) });
    for (const slotId of appointment.slotIds) if (this.slotHolders.get(slotId) === appointment.id) this.slotHolders.delete(slotId);
    return cancelled;
  }

  /** Changes what GP Connect lets a consumer change on a booked appointment: description and comment. */
  amend(appointment: BookedAppointment, change: { description: string; comment?: string }): BookedAppointment {
    this.requireChangeable(appointment);
    const amended: BookedAppointment = { ...appointment, description: change.description };
    if (change.comment === undefined) delete amended.comment;
    else amended.comment = change.comment;
    return this.save(amended);
  }

  /** Keeps a history appointment once it has been changed, so the change wins over the history. */
  adopt(appointment: BookedAppointment): BookedAppointment {
    return this.appointments.get(appointment.id) ?? appointment;
  }

  private requireChangeable(appointment: BookedAppointment): void {
    if (appointment.status !== 'booked')
      throw new GpConnectError('INVALID_RESOURCE', `the appointment is ${appointment.status} and can no longer be changed`);
    if (Date.parse(appointment.start) <= this.now().getTime())
      throw new GpConnectError('INVALID_RESOURCE', 'the appointment has already started');
  }

  private save(appointment: BookedAppointment): BookedAppointment {
    const saved = { ...appointment, version: appointment.version + 1, lastUpdated: this.now().toISOString() };
    this.appointments.set(saved.id, saved);
    return saved;
  }
}

/** The id a history appointment is served under: its place in the patient's GP appointments. */
export function historyAppointmentId(patientId: string, index: number): string {
  return `H${index + 1}-${patientId}`;
}

/** The patient and index a history appointment id names. */
export function parseHistoryAppointmentId(id: string): { patientId: string; index: number } | undefined {
  const match = /^H(\d+)-(.+)$/.exec(id);
  return match ? { patientId: match[2] as string, index: Number(match[1]) - 1 } : undefined;
}

export function fromHistory(item: AppointmentItem, id: string, patientId: string): BookedAppointment {
  return {
    id,
    version: 1,
    practiceCode: item.organisationCode,
    patientId,
    status: item.status,
    start: item.start,
    end: item.end,
    slotIds: [],
    practitioner: item.practitioner,
    description: item.description,
    created: item.recordedAt,
    lastUpdated: `${item.recordedAt}T00:00:00Z`,
  };
}
