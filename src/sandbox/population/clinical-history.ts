import { ACUTE_TRUST, CARE_PROVIDERS, COUNCIL, GP_PRACTICES, MENTAL_HEALTH_TRUST } from './reference-data/organisations.js';
import {
  ACUTE_PROBLEMS,
  ADMISSION_REASONS,
  ALLERGENS,
  CONDITIONS,
  DISCHARGE,
  LAB_PANELS,
  MEDICINES,
  OBSERVATIONS,
  REACTIONS,
  type ConditionKey,
  type LabPanelKey,
  type MedicineKey,
  type ObservationKey,
} from './reference-data/clinical-codes.js';
import {
  CLINICIAN_SURNAMES,
  INITIALS,
  MENTAL_HEALTH_TEAMS,
  OUTPATIENT_CLINICS,
  SOCIAL_CARE_TEAMS,
  WARDS,
} from './reference-data/care-staff.js';
import { ageOn, dayNumber, isoDate, isoDateTime, YEAR_DAYS } from './dates.js';
import { emptyHistory } from './history-lists.js';
import { hashSeed, SeededRandom, WeightedTable } from './random.js';
import type {
  CareSystem,
  ClinicalHistory,
  Coding,
  ConditionItem,
  EncounterItem,
  EncounterType,
  MedicationItem,
  ObservationItem,
} from './clinical-history.types.js';
import type { Person, Population } from './population.types.js';

// A person's history, written from their care profile and seed so it always hangs together:
// conditions bring their medicines, reviews and results; A&E brings admissions and every
// admission a discharge; mental health and social care clients get workers and plans.

/** Repeat medicines for each long-term condition: all of the first list, one of each alternative. */
const TREATMENTS: Partial<Record<ConditionKey, Array<MedicineKey | MedicineKey[]>>> = {
  hypertension: [['amlodipine', 'ramipril']],
  diabetes: ['metformin', ['gliclazide', 'sitagliptin'], 'atorvastatin20'],
  asthma: ['salbutamol', 'beclometasone'],
  copd: ['salbutamol', 'tiotropium'],
  atrialFibrillation: ['apixaban', 'bisoprolol'],
  coronaryHeartDisease: ['aspirin', 'atorvastatin40', 'bisoprolol'],
  heartFailure: ['furosemide', 'ramipril', 'bisoprolol'],
  depression: [['sertraline', 'citalopram']],
  anxiety: ['sertraline'],
  schizophrenia: [['olanzapine', 'aripiprazole']],
  bipolar: [['lithium', 'quetiapine']],
  dementia: ['donepezil'],
  hypothyroidism: ['levothyroxine'],
  osteoarthritis: ['paracetamol'],
  epilepsy: [['lamotrigine', 'levetiracetam']],
  hypercholesterolaemia: ['atorvastatin20'],
  stroke: ['aspirin', 'atorvastatin40'],
};

const DOSAGE: Partial<Record<MedicineKey, [string, number, string]>> = {
  metformin: ['One tablet twice a day with food', 112, 'tablet'],
  salbutamol: ['Two puffs when required', 1, 'inhaler'],
  beclometasone: ['Two puffs twice a day', 1, 'inhaler'],
  tiotropium: ['Inhale the contents of one capsule once a day', 30, 'capsule'],
  paracetamol: ['One or two tablets up to four times a day', 100, 'tablet'],
  lithium: ['One tablet at night', 56, 'tablet'],
  amoxicillin: ['One capsule three times a day for 5 days', 15, 'capsule'],
  clarithromycin: ['One tablet twice a day for 5 days', 10, 'tablet'],
  nitrofurantoin: ['One capsule twice a day for 3 days', 6, 'capsule'],
  flucloxacillin: ['One capsule four times a day for 7 days', 28, 'capsule'],
  enoxaparin: ['40mg subcutaneously once a day', 1, 'pre-filled syringe'],
};

const MENTAL_HEALTH_CONDITIONS: ConditionKey[] = ['depression', 'anxiety', 'schizophrenia', 'bipolar'];
const PENICILLINS: MedicineKey[] = ['amoxicillin', 'flucloxacillin'];
const SEVERITIES = new WeightedTable<'mild' | 'moderate' | 'severe'>([
  ['mild', 5],
  ['moderate', 4],
  ['severe', 1],
]);
const ALLERGEN_TABLE = new WeightedTable(ALLERGENS.map((allergen) => [allergen, allergen.weight] as const));

export function clinicalHistory(person: Person, population: Population): ClinicalHistory {
  return new HistoryWriter(person, population).write();
}

class HistoryWriter {
  private readonly random: SeededRandom;
  private readonly today: number;
  private readonly end: number;
  private readonly birth: number;
  private readonly age: number;
  private readonly alive: boolean;
  private readonly history: ClinicalHistory;
  private readonly counters = new Map<string, number>();
  private readonly gpCode?: string;
  private readonly penicillinAllergic: boolean;

  constructor(
    private readonly person: Person,
    population: Population,
  ) {
    this.random = new SeededRandom(person.historySeed);
    this.today = dayNumber(population.referenceDate);
    this.alive = !person.deathDate;
    this.end = person.deathDate ? dayNumber(person.deathDate) : this.today;
    this.birth = dayNumber(person.birthDate);
    this.age = ageOn(this.birth, this.end);
    this.gpCode = person.gp?.practiceCode;
    this.history = emptyHistory(person.id);
    this.penicillinAllergic = false;
    this.allergies();
    this.penicillinAllergic = this.history.allergies.some(
      (allergy) => allergy.substance.code === '373270004' || allergy.substance.code === '372687004',
    );
  }

  write(): ClinicalHistory {
    const longTerm = this.gpCode ? this.longTermConditions() : [];
    if (this.gpCode) {
      this.gpConsultations(longTerm);
      this.gpMeasurements();
      this.gpCarePlans(longTerm);
    }
    if (this.person.care.acute) this.hospital();
    if (this.person.care.mentalHealth) this.mentalHealth();
    if (this.person.care.socialCare && this.age >= 16) this.socialCare();
    return this.history;
  }

  // ---- identifiers, dates, people

  private id(kind: string): string {
    const next = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, next);
    return `${this.person.id}-${kind}-${next}`;
  }

  /** A day in [from, to], clamped to the person's life. */
  private day(from: number, to: number): number {
    const low = Math.max(this.birth, Math.min(from, to));
    const high = Math.min(this.end, Math.max(from, to));
    return this.random.int(low, Math.max(low, high));
  }

  private workingDay(day: number): number {
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 is Sunday
    if (weekday === 6) return day + 2 <= this.end ? day + 2 : day - 1;
    if (weekday === 0) return day + 1 <= this.end ? day + 1 : day - 2;
    return day;
  }

  private at(day: number, fromMinute = 8 * 60 + 30, toMinute = 18 * 60): string {
    return isoDateTime(day, Math.floor(this.random.int(fromMinute, toMinute) / 5) * 5);
  }

  private clinician(organisationCode: string, title: string): string {
    const hash = hashSeed(0, organisationCode, this.random.int(0, 3)) >>> 0;
    const surname = CLINICIAN_SURNAMES[hash % CLINICIAN_SURNAMES.length];
    const initial = INITIALS[(hash >>> 8) % INITIALS.length];
    return `${title} ${initial} ${surname}`;
  }

  private get gpPractice() {
    return GP_PRACTICES.find((practice) => practice.code === this.gpCode);
  }

  // ---- GP record

  private allergies(): void {
    const draws = [this.random.chance(0.12), this.random.chance(0.03), this.random.chance(0.04)];
    if (!this.gpCode || !draws.some(Boolean)) return;
    const count = draws.filter(Boolean).length;
    const seen = new Set<string>();
    for (let index = 0; index < count; index++) {
      const allergen = ALLERGEN_TABLE.draw(this.random);
      if (seen.has(allergen.substance.code)) continue;
      seen.add(allergen.substance.code);
      const onset = this.day(this.birth + 365, this.end);
      const severity = SEVERITIES.draw(this.random);
      const reaction = severity === 'severe' ? (this.random.chance(0.6) ? REACTIONS[2]! : REACTIONS[3]!) : this.random.pick(REACTIONS);
      const allergy = {
        kind: 'allergy' as const,
        id: this.id('allergy'),
        system: 'gp' as CareSystem,
        organisationCode: this.gpCode,
        recordedAt: isoDate(onset),
        substance: allergen.substance,
        reaction,
        category: allergen.category,
        severity,
        onset: isoDate(onset),
      };
      this.history.allergies.push(allergy);
      // The hospital records the drug allergies it is told about, in its own record.
      if (this.person.care.acute && allergen.category === 'medication' && this.random.chance(0.6)) {
        this.history.allergies.push({
          ...allergy,
          id: this.id('allergy'),
          system: 'acute',
          organisationCode: ACUTE_TRUST.code,
          recordedAt: isoDate(this.day(onset, this.end)),
        });
      }
    }
  }

  private longTermConditions(): ConditionItem[] {
    const conditions: ConditionItem[] = [];
    for (const key of this.person.care.conditions) {
      const typicalStart = key === 'asthma' || key === 'epilepsy' ? 2 : MENTAL_HEALTH_CONDITIONS.includes(key) ? 16 : 30;
      const earliest = Math.max(this.birth + Math.floor(typicalStart * YEAR_DAYS), this.end - Math.floor(15 * YEAR_DAYS));
      const onset = this.day(earliest, this.end - 30);
      const condition: ConditionItem = {
        kind: 'condition',
        id: this.id('condition'),
        system: 'gp',
        organisationCode: this.gpCode!,
        recordedAt: isoDate(onset),
        code: CONDITIONS[key],
        onset: isoDate(onset),
        clinicalStatus: 'active',
      };
      this.history.conditions.push(condition);
      conditions.push(condition);
      this.treat(key, condition, onset);
    }
    return conditions;
  }

  private treat(key: ConditionKey, condition: ConditionItem, onset: number): void {
    for (const choice of TREATMENTS[key] ?? []) {
      const medicine = Array.isArray(choice) ? this.random.pick(choice) : choice;
      if (key === 'diabetes' && medicine !== 'metformin' && medicine !== 'atorvastatin20' && this.random.chance(0.5)) continue;
      if (
        this.history.medications.some(
          (existing) => existing.system === 'gp' && existing.medication.code === MEDICINES[medicine].code && !existing.end,
        )
      )
        continue;
      const start = this.day(onset + 7, onset + 90);
      this.history.medications.push(
        this.medication('gp', this.gpCode!, medicine, start, 'repeat', condition.id, this.alive ? undefined : this.end),
      );
    }
  }

  private medication(
    system: CareSystem,
    organisationCode: string,
    key: MedicineKey,
    start: number,
    courseType: MedicationItem['courseType'],
    reasonConditionId?: string,
    endDay?: number,
  ): MedicationItem {
    const [dosage, quantity, unit] = DOSAGE[key] ?? ['One tablet once a day', 28, 'tablet'];
    const item: MedicationItem = {
      kind: 'medication',
      id: this.id('medication'),
      system,
      organisationCode,
      recordedAt: isoDate(start),
      medication: MEDICINES[key],
      dosage,
      quantity: { value: quantity, unit },
      start: isoDate(start),
      status: endDay === undefined ? 'active' : courseType === 'repeat' ? 'stopped' : 'completed',
      courseType,
    };
    if (endDay !== undefined) item.end = isoDate(Math.max(start, endDay));
    if (reasonConditionId) item.reasonConditionId = reasonConditionId;
    return item;
  }

  private gpConsultations(longTerm: ConditionItem[]): void {
    const practice = this.gpPractice!;
    const since = Math.max(this.birth, this.end - 3 * 365, dayNumber(this.person.gp!.registeredFrom));
    const perYear = Math.min(12, 1.5 + longTerm.length * 1.2 + (this.age >= 75 ? 3 : this.age < 5 ? 2 : 0));
    const count = Math.round(((perYear * (this.end - since)) / 365) * (0.6 + this.random.float() * 0.8));
    for (let index = 0; index < count; index++) {
      const day = this.workingDay(this.day(since, this.end));
      const chronic = longTerm.length > 0 && this.random.chance(0.5) ? this.random.pick(longTerm) : undefined;
      const reason = chronic ? chronic.code : this.random.pick(ACUTE_PROBLEMS);
      const start = this.at(day);
      const practitioner = this.clinician(practice.code, 'Dr');
      const encounter = this.encounter(
        'gp',
        practice.code,
        'gp-consultation',
        start,
        addMinutes(start, 10),
        reason,
        practice.name,
        practitioner,
      );
      this.history.appointments.push({
        kind: 'appointment',
        id: this.id('appointment'),
        system: 'gp',
        organisationCode: practice.code,
        recordedAt: isoDate(day - this.random.int(0, 14)),
        start,
        end: encounter.end!,
        status: 'fulfilled',
        service: 'General practice',
        practitioner,
        location: practice.name,
        description: chronic ? `${chronic.code.display} review` : 'GP appointment',
      });
      if (!chronic && this.random.chance(0.3)) this.acuteCourse(reason, day);
    }
    // Missed and cancelled appointments are part of every GP record.
    for (let index = 0; index < this.random.int(0, 2); index++) {
      const day = this.workingDay(this.day(since, this.end));
      const start = this.at(day);
      this.history.appointments.push({
        kind: 'appointment',
        id: this.id('appointment'),
        system: 'gp',
        organisationCode: practice.code,
        recordedAt: isoDate(day - 7),
        start,
        end: addMinutes(start, 10),
        status: this.random.chance(0.5) ? 'noshow' : 'cancelled',
        service: 'General practice',
        practitioner: this.clinician(practice.code, 'Dr'),
        location: practice.name,
        description: 'GP appointment',
      });
    }
    if (this.alive)
      this.futureAppointments(
        'gp',
        practice.code,
        practice.name,
        'General practice',
        this.random.chance(0.35) ? this.random.int(1, 2) : 0,
        10,
      );
  }

  private acuteCourse(reason: Coding, day: number): void {
    const byReason: Record<string, MedicineKey> = {
      '50417007': 'amoxicillin',
      '233604007': 'amoxicillin',
      '68566005': 'nitrofurantoin',
      '128045006': 'flucloxacillin',
    };
    let medicine = byReason[reason.code];
    if (!medicine) return;
    // Nobody allergic to penicillin is given one: they get clarithromycin instead.
    if (this.penicillinAllergic && PENICILLINS.includes(medicine)) medicine = 'clarithromycin';
    this.history.medications.push(this.medication('gp', this.gpCode!, medicine, day, 'acute', undefined, Math.min(this.end, day + 7)));
  }

  private futureAppointments(
    system: CareSystem,
    organisationCode: string,
    location: string,
    service: string,
    count: number,
    minutes: number,
    practitionerTitle = 'Dr',
  ): void {
    for (let index = 0; index < count; index++) {
      const day = this.workingDay(this.today + this.random.int(1, 60));
      const start = this.at(day);
      this.history.appointments.push({
        kind: 'appointment',
        id: this.id('appointment'),
        system,
        organisationCode,
        recordedAt: isoDate(this.today - this.random.int(0, 20)),
        start,
        end: addMinutes(start, minutes),
        status: 'booked',
        service,
        practitioner: this.clinician(organisationCode, practitionerTitle),
        location,
        description: `${service} appointment`,
      });
    }
  }

  private gpMeasurements(): void {
    const has = (key: ConditionKey) => this.person.care.conditions.includes(key);
    const code = this.gpCode!;
    const since = Math.max(this.birth, this.end - 3 * 365);
    if (this.age >= 16) {
      const height = this.random.measurement(this.person.sex === 'male' ? 176 : 163, 7, 140, 205);
      this.observation('gp', code, 'height', this.day(since, this.end), height);
      let bmi = this.random.measurement(26.5, 4.5, 17, 45, 1) + (has('diabetes') ? 4 : 0);
      const weighings = has('diabetes') || has('heartFailure') ? 6 : this.random.int(0, 3);
      for (const day of this.spread(since, this.end, weighings)) {
        bmi += this.random.normal(0, 0.6);
        this.observation('gp', code, 'weight', day, Math.round(bmi * (height / 100) ** 2 * 10) / 10);
      }
      const cardiovascular = has('hypertension') || has('diabetes') || has('ckd') || has('coronaryHeartDisease') || has('heartFailure');
      const pressures = cardiovascular ? 6 : this.age >= 40 ? this.random.int(1, 3) : this.random.int(0, 1);
      for (const day of this.spread(since, this.end, pressures)) {
        const systolic = this.random.measurement(has('hypertension') ? 142 : 118 + this.age * 0.25, 13, 90, 210);
        const diastolic = this.random.measurement(has('hypertension') ? 86 : 74, 8, 50, 125);
        this.bloodPressure('gp', code, day, systolic, Math.min(diastolic, systolic - 20));
      }
    }
    if (has('diabetes')) {
      let hba1c = this.random.measurement(60, 10, 45, 100);
      for (const day of this.spread(Math.max(since, this.end - 3 * 365), this.end, 6)) {
        hba1c = Math.round(Math.min(110, Math.max(40, hba1c + this.random.normal(-0.5, 5))));
        this.labPanel('gp', code, 'hba1c', day, { hba1c });
      }
    } else if (this.age >= 40 && this.random.chance(0.2)) {
      this.labPanel('gp', code, 'hba1c', this.day(since, this.end), { hba1c: this.random.measurement(37, 3, 28, 47) });
    }
    if (has('diabetes') || has('hypertension') || has('ckd') || has('heartFailure')) {
      for (const day of this.spread(since, this.end, 3)) this.labPanel('gp', code, 'ureaAndElectrolytes', day, this.kidneyValues());
    }
    if (has('diabetes') || has('coronaryHeartDisease') || has('hypercholesterolaemia') || has('stroke')) {
      for (const day of this.spread(since, this.end, 2))
        this.labPanel('gp', code, 'lipids', day, { cholesterol: this.random.measurement(4.6, 0.9, 2.5, 8.5, 1) });
    }
  }

  private kidneyValues(): Partial<Record<ObservationKey, number>> {
    const ckd = this.person.care.conditions.includes('ckd');
    const egfr = ckd ? this.random.measurement(45, 8, 30, 59) : this.random.measurement(Math.max(60, 105 - this.age * 0.6), 10, 60, 120);
    const creatinine = Math.round((this.person.sex === 'male' ? 7600 : 6200) / egfr);
    return {
      sodium: this.random.measurement(139, 2.5, 128, 148),
      potassium: this.random.measurement(4.3, 0.4, 3.2, 6, 1),
      creatinine,
      egfr,
    };
  }

  /** `count` days spread over [from, to] in order, each jittered within its slot. */
  private spread(from: number, to: number, count: number): number[] {
    if (count <= 0 || to < from) return [];
    const slot = (to - from) / count;
    return Array.from({ length: count }, (_, index) =>
      this.workingDay(Math.min(to, Math.floor(from + slot * index + this.random.float() * slot))),
    );
  }

  private observation(
    system: CareSystem,
    organisationCode: string,
    key: ObservationKey,
    day: number,
    value: number,
    extra: Partial<ObservationItem> = {},
  ): ObservationItem {
    const definition = OBSERVATIONS[key];
    const item: ObservationItem = {
      kind: 'observation',
      id: this.id('observation'),
      system,
      organisationCode,
      recordedAt: isoDate(day),
      code: definition.code,
      category: OBSERVATION_CATEGORIES[key] ?? 'laboratory',
      effective: this.at(day),
      value,
      unit: definition.unit,
      ...extra,
    };
    const range = REFERENCE_RANGES[key];
    if (range) item.referenceRange = range;
    this.history.observations.push(item);
    return item;
  }

  private bloodPressure(
    system: CareSystem,
    organisationCode: string,
    day: number,
    systolic: number,
    diastolic: number,
    encounterId?: string,
  ): void {
    const item: ObservationItem = {
      kind: 'observation',
      id: this.id('observation'),
      system,
      organisationCode,
      recordedAt: isoDate(day),
      code: OBSERVATIONS.bloodPressure.code,
      category: 'vital-signs',
      effective: this.at(day),
      components: [
        { code: OBSERVATIONS.systolic.code, value: systolic, unit: 'mm[Hg]' },
        { code: OBSERVATIONS.diastolic.code, value: diastolic, unit: 'mm[Hg]' },
      ],
    };
    if (encounterId) item.encounterId = encounterId;
    this.history.observations.push(item);
  }

  private labPanel(
    system: CareSystem,
    organisationCode: string,
    panel: LabPanelKey,
    day: number,
    values: Partial<Record<ObservationKey, number>>,
    encounterId?: string,
  ): void {
    const definition = LAB_PANELS[panel];
    const reportId = this.id('report');
    const results = definition.tests
      .filter((test) => values[test] !== undefined)
      .map((test) =>
        this.observation(system, organisationCode, test, day, values[test]!, { reportId, ...(encounterId ? { encounterId } : {}) }),
      );
    this.history.diagnosticReports.push({
      kind: 'diagnostic-report',
      id: reportId,
      system,
      organisationCode,
      recordedAt: isoDate(day),
      code: definition.code,
      issued: isoDateTime(day, 17 * 60),
      resultIds: results.map((result) => result.id),
      ...(encounterId ? { encounterId } : {}),
    });
  }

  private gpCarePlans(longTerm: ConditionItem[]): void {
    const planned = longTerm.filter((condition) => ['44054006', '13645005', '195967001', '84114007'].includes(condition.code.code));
    for (const condition of planned) {
      const start = this.day(dayNumber(condition.onset), this.end);
      this.history.carePlans.push({
        kind: 'care-plan',
        id: this.id('careplan'),
        system: 'gp',
        organisationCode: this.gpCode!,
        recordedAt: isoDate(start),
        category: 'long-term-condition',
        title: `${condition.code.display} care plan`,
        description: `Personalised care and support plan for ${condition.code.display.toLowerCase()}, reviewed annually.`,
        start: isoDate(start),
        status: this.alive ? 'active' : 'completed',
        ...(this.alive ? {} : { end: isoDate(this.end) }),
        addressesConditionIds: [condition.id],
        activities: LONG_TERM_ACTIVITIES[condition.code.code] ?? ['Annual review'],
      });
    }
  }

  // ---- hospital

  private hospital(): void {
    const trust = ACUTE_TRUST.code;
    const since = Math.max(this.birth, this.end - 5 * 365);
    const attendances = this.random.int(0, 1 + Math.floor(this.person.care.conditions.length / 2) + (this.age >= 75 ? 2 : 0));
    const days = this.spread(since, this.end, attendances);
    days.forEach((day, index) => {
      const last = index === days.length - 1;
      const admitted = this.random.chance(this.age >= 70 ? 0.45 : 0.2) || (last && !this.alive && this.random.chance(0.4));
      const reason = admitted ? this.random.pick(ADMISSION_REASONS) : this.random.pick(ACUTE_PROBLEMS);
      const arrival = this.at(day, 0, 23 * 60);
      const attendance = this.encounter(
        'acute',
        trust,
        'ae-attendance',
        arrival,
        addMinutes(arrival, this.random.int(90, 460)),
        reason,
        'Emergency Department',
        this.clinician(trust, 'Dr'),
      );
      this.hospitalVitals(day, attendance.id);
      this.labPanel('acute', trust, 'fullBloodCount', day, this.bloodCountValues(), attendance.id);
      if (!admitted) return;
      this.admission(attendance, reason, last);
    });
    if (this.random.chance(0.1) && this.age >= 30) {
      const day = this.day(since, this.end);
      const start = isoDateTime(day, 7 * 60 + 30);
      const admission = this.encounter(
        'acute',
        trust,
        'inpatient-admission',
        start,
        isoDateTime(Math.min(this.end, day + this.random.int(1, 4)), 11 * 60),
        this.random.pick(ADMISSION_REASONS),
        ACUTE_TRUST.name,
        this.clinician(trust, 'Mr'),
      );
      admission.ward = this.random.pick(WARDS);
      admission.dischargeDisposition = DISCHARGE.home;
    }
    this.outpatients(since);
  }

  private admission(attendance: EncounterItem, reason: Coding, lastEvent: boolean): void {
    const trust = ACUTE_TRUST.code;
    const startDay = dayNumber(attendance.end!);
    const stay = this.random.int(1, this.age >= 75 ? 21 : 8);
    const diesHere = lastEvent && !this.alive;
    const endDay = diesHere ? Math.max(startDay, this.end) : Math.min(this.end, startDay + stay);
    let discharged = isoDateTime(endDay, this.random.int(10 * 60, 17 * 60));
    // A stay cut short by the end of the record still lasts a few hours after admission.
    if (discharged <= attendance.end!) discharged = addMinutes(attendance.end!, this.random.int(120, 480));
    const admission = this.encounter(
      'acute',
      trust,
      'inpatient-admission',
      attendance.end!,
      discharged,
      reason,
      ACUTE_TRUST.name,
      this.clinician(trust, 'Dr'),
    );
    admission.admittedFromId = attendance.id;
    admission.ward = this.random.pick(WARDS);
    admission.dischargeDisposition = diesHere
      ? DISCHARGE.died
      : this.person.care.conditions.includes('dementia') && this.random.chance(0.2)
        ? this.random.chance(0.5)
          ? DISCHARGE.nursingHome
          : DISCHARGE.residentialHome
        : DISCHARGE.home;
    this.history.conditions.push({
      kind: 'condition',
      id: this.id('condition'),
      system: 'acute',
      organisationCode: trust,
      recordedAt: isoDate(startDay),
      code: reason,
      onset: isoDate(startDay),
      ...(endDay < this.today ? { abatement: isoDate(endDay) } : {}),
      clinicalStatus: endDay < this.today ? 'resolved' : 'active',
    });
    this.history.medications.push(this.medication('acute', trust, 'enoxaparin', startDay, 'inpatient', undefined, endDay));
    this.history.medications.push(this.medication('acute', trust, 'paracetamol', startDay, 'inpatient', undefined, endDay));
    this.labPanel('acute', trust, 'ureaAndElectrolytes', startDay, this.kidneyValues(), admission.id);
  }

  private hospitalVitals(day: number, encounterId: string): void {
    const trust = ACUTE_TRUST.code;
    this.observation('acute', trust, 'heartRate', day, this.random.measurement(84, 14, 45, 160), { encounterId });
    this.observation('acute', trust, 'temperature', day, this.random.measurement(37, 0.6, 35, 40.5, 1), { encounterId });
    this.observation('acute', trust, 'oxygenSaturation', day, this.random.measurement(96, 2, 84, 100), { encounterId });
    const systolic = this.random.measurement(130, 18, 85, 210);
    this.bloodPressure('acute', trust, day, systolic, Math.min(systolic - 20, this.random.measurement(78, 10, 45, 125)), encounterId);
  }

  private bloodCountValues(): Partial<Record<ObservationKey, number>> {
    return {
      haemoglobin: this.random.measurement(this.person.sex === 'male' ? 145 : 130, 14, 70, 185),
      whiteCells: this.random.measurement(7.5, 2.5, 2, 25, 1),
      platelets: this.random.measurement(260, 60, 80, 550),
    };
  }

  private outpatients(since: number): void {
    const trust = ACUTE_TRUST.code;
    const clinic = this.random.pick(OUTPATIENT_CLINICS);
    const visits =
      this.person.care.conditions.length > 0
        ? this.random.int(0, 3)
        : this.history.encounters.some((item) => item.system === 'acute')
          ? 0
          : 1;
    for (const day of this.spread(since, this.end, visits)) {
      const start = this.at(day, 9 * 60, 16 * 60);
      const practitioner = this.clinician(trust, 'Dr');
      const encounter = this.encounter('acute', trust, 'outpatient', start, addMinutes(start, 20), undefined, clinic, practitioner);
      this.history.appointments.push({
        kind: 'appointment',
        id: this.id('appointment'),
        system: 'acute',
        organisationCode: trust,
        recordedAt: isoDate(day - this.random.int(14, 60)),
        start,
        end: encounter.end!,
        status: 'fulfilled',
        service: clinic,
        practitioner,
        location: ACUTE_TRUST.name,
        description: `${clinic} follow-up`,
      });
    }
    if (this.alive && this.random.chance(0.3)) this.futureAppointments('acute', trust, ACUTE_TRUST.name, clinic, 1, 20);
  }

  // ---- mental health

  private mentalHealth(): void {
    const trust = MENTAL_HEALTH_TRUST.code;
    let keys = this.person.care.conditions.filter((key) => MENTAL_HEALTH_CONDITIONS.includes(key));
    if (keys.length === 0) keys = ['anxiety'];
    const serious = keys.includes('schizophrenia') || keys.includes('bipolar');
    const referral = this.day(this.end - (serious ? 6 : 2) * 365, this.end - 30);
    const conditionIds: string[] = [];
    for (const key of keys) {
      const id = this.id('condition');
      conditionIds.push(id);
      this.history.conditions.push({
        kind: 'condition',
        id,
        system: 'mental-health',
        organisationCode: trust,
        recordedAt: isoDate(referral),
        code: CONDITIONS[key],
        onset: isoDate(referral),
        clinicalStatus: 'active',
      });
    }
    const team = serious ? this.random.pick(MENTAL_HEALTH_TEAMS.slice(0, 3)) : MENTAL_HEALTH_TEAMS[this.random.int(0, 1)]!;
    const worker = this.clinician(trust, this.random.chance(0.5) ? 'Nurse' : 'Dr');
    this.history.allocatedWorkers['mental-health'] = { name: worker, role: 'care-coordinator', team, since: isoDate(referral) };
    const contacts = serious ? Math.min(30, Math.floor((this.end - referral) / 42)) : this.random.int(3, 8);
    for (const day of this.spread(referral, Math.min(this.end, serious ? this.end : referral + 300), contacts)) {
      const start = this.at(day, 9 * 60, 17 * 60);
      const encounter = this.encounter(
        'mental-health',
        trust,
        'mental-health-contact',
        start,
        addMinutes(start, 45),
        CONDITIONS[keys[0]!],
        team,
        worker,
      );
      if (!serious || this.random.chance(0.3)) {
        this.observation('mental-health', trust, 'phq9', day, this.random.int(serious ? 5 : 8, 24), { encounterId: encounter.id });
      }
    }
    if (serious) {
      const medicine = keys.includes('schizophrenia')
        ? this.random.pick<MedicineKey>(['olanzapine', 'aripiprazole'])
        : this.random.pick<MedicineKey>(['lithium', 'quetiapine']);
      this.history.medications.push(
        this.medication('mental-health', trust, medicine, referral + 7, 'repeat', conditionIds[0], this.alive ? undefined : this.end),
      );
    }
    if (serious || this.random.chance(0.3)) {
      this.history.carePlans.push({
        kind: 'care-plan',
        id: this.id('careplan'),
        system: 'mental-health',
        organisationCode: trust,
        recordedAt: isoDate(referral + 14),
        category: 'mental-health-crisis',
        title: 'Crisis and contingency plan',
        description: 'Early warning signs, what helps, who to contact in a crisis (Crisis Resolution Home Treatment Team, 24 hours).',
        start: isoDate(Math.min(this.end, referral + 14)),
        status: this.alive ? 'active' : 'completed',
        ...(this.alive ? {} : { end: isoDate(this.end) }),
        addressesConditionIds: conditionIds,
        activities: [
          'Weekly contact with care coordinator',
          'Medication review every 3 months',
          'Crisis line: call the team, out of hours the crisis line',
        ],
      });
    }
    if (this.alive) this.futureAppointments('mental-health', trust, team, 'Community mental health', this.random.int(1, 2), 45, 'Nurse');
  }

  // ---- social care

  private socialCare(): void {
    const council = COUNCIL.code;
    const start = this.day(this.end - 6 * 365, this.end - 30);
    const team = this.random.pick(SOCIAL_CARE_TEAMS);
    const worker = `${this.random.pick(['Sam', 'Jo', 'Alex', 'Priya', 'Tunde', 'Maria', 'Hannah', 'Kemal'])} ${this.random.pick(CLINICIAN_SURNAMES)}`;
    this.history.allocatedWorkers['social-care'] = {
      name: worker,
      role: this.random.chance(0.8) ? 'social-worker' : 'occupational-therapist',
      team,
      since: isoDate(start),
    };
    const eligible = this.random.chance(0.85);
    const assessment = (assessmentType: 'care-act-needs' | 'carers' | 'review' | 'financial', day: number, outcome: string) => {
      this.history.assessments.push({
        kind: 'social-care-assessment',
        id: this.id('assessment'),
        system: 'social-care',
        organisationCode: council,
        recordedAt: isoDate(day),
        assessmentType,
        date: isoDate(day),
        outcome,
        eligible,
      });
      const visitStart = this.at(day, 9 * 60, 16 * 60);
      this.encounter('social-care', council, 'social-care-visit', visitStart, addMinutes(visitStart, 60), undefined, 'Home visit', worker);
    };
    assessment(
      'care-act-needs',
      start,
      eligible ? 'Eligible needs under the Care Act 2014' : 'No eligible needs; information and advice given',
    );
    if (this.random.chance(0.7)) assessment('financial', Math.min(this.end, start + 14), 'Contribution assessed');
    if (this.random.chance(0.2)) assessment('carers', Math.min(this.end, start + 30), 'Carer support offered');
    for (let review = start + 365; review < this.end; review += 365) assessment('review', review, 'Package reviewed; needs unchanged');
    if (!eligible) return;
    const packages: Array<[Exclude<import('./clinical-history.types.js').CarePackageItem['service'], never>, number]> = [];
    const oldest = this.age >= 85 || this.person.care.conditions.includes('dementia');
    if (oldest && this.random.chance(0.1)) packages.push(['residential', 0]);
    else {
      if (this.random.chance(0.7)) packages.push(['home-care', this.random.int(5, 28)]);
      if (this.random.chance(0.2)) packages.push(['day-centre', 12]);
      if (this.random.chance(0.25)) packages.push(['meals', 0]);
      if (this.random.chance(0.4)) packages.push(['equipment', 0]);
      if (packages.length === 0 || this.random.chance(0.15)) packages.push(['reablement', 10]);
    }
    for (const [service, hours] of packages) {
      const packageStart = Math.min(this.end, start + this.random.int(7, 30));
      const ended = service === 'reablement' ? Math.min(this.end, packageStart + 42) : this.alive ? undefined : this.end;
      const provider =
        service === 'day-centre'
          ? CARE_PROVIDERS[2]!
          : service === 'meals'
            ? CARE_PROVIDERS[3]!
            : this.random.pick(CARE_PROVIDERS.slice(0, 2));
      const weeklyCostPence =
        service === 'residential' ? 95_000 : service === 'equipment' ? 0 : service === 'meals' ? 4_900 : hours * 2_350;
      this.history.carePackages.push({
        kind: 'care-package',
        id: this.id('package'),
        system: 'social-care',
        organisationCode: council,
        recordedAt: isoDate(packageStart),
        service,
        provider: provider.name,
        ...(hours ? { hoursPerWeek: hours } : {}),
        weeklyCostPence,
        start: isoDate(packageStart),
        ...(ended !== undefined ? { end: isoDate(ended) } : {}),
        status: ended !== undefined && ended < this.today ? 'ended' : 'active',
      });
    }
    this.history.carePlans.push({
      kind: 'care-plan',
      id: this.id('careplan'),
      system: 'social-care',
      organisationCode: council,
      recordedAt: isoDate(start),
      category: 'social-care-support',
      title: 'Care and support plan',
      description: `Support at home arranged by ${team}.`,
      start: isoDate(start),
      status: this.alive ? 'active' : 'completed',
      ...(this.alive ? {} : { end: isoDate(this.end) }),
      addressesConditionIds: [],
      activities: packages.map(([service, hours]) =>
        hours ? `${service.replace('-', ' ')}: ${hours} hours a week` : service.replace('-', ' '),
      ),
    });
  }

  private encounter(
    system: CareSystem,
    organisationCode: string,
    type: EncounterType,
    start: string,
    end: string | undefined,
    reason: Coding | undefined,
    location: string,
    practitioner: string,
  ): EncounterItem {
    const item: EncounterItem = {
      kind: 'encounter',
      id: this.id('encounter'),
      system,
      organisationCode,
      recordedAt: start.slice(0, 10),
      type,
      start,
      location,
      practitioner,
    };
    if (end) item.end = end;
    if (reason) item.reason = reason;
    this.history.encounters.push(item);
    return item;
  }
}

function addMinutes(isoDateTimeValue: string, minutes: number): string {
  return new Date(Date.parse(isoDateTimeValue) + minutes * 60_000).toISOString().replace('.000Z', 'Z');
}

const OBSERVATION_CATEGORIES: Partial<Record<ObservationKey, ObservationItem['category']>> = {
  weight: 'vital-signs',
  height: 'vital-signs',
  bmi: 'vital-signs',
  heartRate: 'vital-signs',
  oxygenSaturation: 'vital-signs',
  temperature: 'vital-signs',
  phq9: 'survey',
};

const REFERENCE_RANGES: Partial<Record<ObservationKey, { low?: number; high?: number }>> = {
  hba1c: { high: 47 },
  egfr: { low: 60 },
  creatinine: { low: 60, high: 110 },
  sodium: { low: 133, high: 146 },
  potassium: { low: 3.5, high: 5.3 },
  cholesterol: { high: 5 },
  haemoglobin: { low: 115, high: 180 },
  whiteCells: { low: 4, high: 11 },
  platelets: { low: 150, high: 450 },
};

const LONG_TERM_ACTIVITIES: Record<string, string[]> = {
  '44054006': ['HbA1c every 6 months', 'Annual foot check', 'Annual retinal screening', 'Structured education (DESMOND)'],
  '13645005': ['Annual spirometry review', 'Inhaler technique check', 'Pulmonary rehabilitation referral'],
  '195967001': ['Annual asthma review', 'Personal asthma action plan'],
  '84114007': ['Daily weights', 'Heart failure nurse review every 3 months'],
};
