import { isTestRangeNhsNumber, isValidNhsNumber } from '../../fhir/index.js';
import { clinicalHistory } from './clinical-history.js';
import { ageOn, dayNumber } from './dates.js';
import { generatePopulation } from './generate-population.js';
import { GP_PRACTICES } from './reference-data/organisations.js';
import { isUkPostcode } from './reference-data/places.js';
import type { Population } from './population.types.js';

const REFERENCE_DATE = '2026-11-23';
const ISLINGTON_DISTRICTS = /^(N1|N4|N5|N6|N7|N19|EC1V|EC1R|EC1M|EC1Y) /;

describe('generatePopulation', () => {
  let population: Population;
  beforeAll(() => {
    population = generatePopulation({ seed: 7, size: 5_000, referenceDate: REFERENCE_DATE });
  });

  it('is the same borough for the same seed and a different one for another seed', () => {
    const again = generatePopulation({ seed: 7, size: 5_000, referenceDate: REFERENCE_DATE });
    expect(JSON.stringify(again)).toBe(JSON.stringify(population));
    const other = generatePopulation({ seed: 8, size: 5_000, referenceDate: REFERENCE_DATE });
    expect(other.people[0]!.nhsNumber).not.toBe(population.people[0]!.nhsNumber);
  });

  it('makes exactly the number of people asked for, each in a household that lists them', () => {
    expect(population.people).toHaveLength(5_000);
    const members = new Set(population.households.flatMap((household) => household.memberIds));
    expect(members.size).toBe(5_000);
    expect(() => generatePopulation({ seed: 1, size: 0, referenceDate: REFERENCE_DATE })).toThrow(/above 0/);
  });

  it('gives everyone a unique NHS number from the 999 test range that passes modulus 11', () => {
    const numbers = population.people.map((person) => person.nhsNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const number of numbers) {
      expect(isValidNhsNumber(number)).toBe(true);
      expect(isTestRangeNhsNumber(number)).toBe(true);
    }
  });

  it('houses people at valid Islington postcodes, household members at one address', () => {
    for (const person of population.people) {
      for (const period of person.addresses) {
        expect(isUkPostcode(period.address.postcode)).toBe(true);
        expect(period.address.postcode).toMatch(ISLINGTON_DISTRICTS);
      }
    }
    for (const household of population.households.filter((candidate) => candidate.memberIds.length > 1).slice(0, 200)) {
      const postcodes = new Set(
        household.memberIds.map((id) => population.people[Number(id.slice(1)) - 1]!.addresses.at(-1)!.address.postcode),
      );
      expect(postcodes.size).toBe(1);
    }
    const movers = population.people.filter((person) => person.addresses.length > 1);
    expect(movers.length / population.people.length).toBeGreaterThan(0.1);
  });

  it('spans all ages, both sexes, many name origins and the thirty practices', () => {
    const today = dayNumber(REFERENCE_DATE);
    const ages = population.people.map((person) => ageOn(dayNumber(person.birthDate), today));
    expect(Math.min(...ages)).toBe(0);
    expect(Math.max(...ages)).toBeGreaterThanOrEqual(90);
    expect(ages.filter((age) => age < 18).length / ages.length).toBeGreaterThan(0.1);
    expect(ages.filter((age) => age >= 65).length / ages.length).toBeGreaterThan(0.07);
    const females = population.people.filter((person) => person.sex === 'female').length;
    expect(females / population.people.length).toBeGreaterThan(0.45);
    expect(females / population.people.length).toBeLessThan(0.55);
    expect(new Set(population.people.map((person) => person.nameOrigin)).size).toBeGreaterThanOrEqual(12);
    const practices = new Set(population.people.flatMap((person) => (person.gp ? [person.gp.practiceCode] : [])));
    expect(practices).toEqual(new Set(GP_PRACTICES.map((practice) => practice.code)));
    expect(GP_PRACTICES.every((practice) => /^F83\d{3}$/.test(practice.code))).toBe(true);
  });

  it('follows name frequencies: common surnames recur and rare ones stay rare', () => {
    const counts = new Map<string, number>();
    for (const person of population.people) counts.set(person.family, (counts.get(person.family) ?? 0) + 1);
    expect(counts.get('Smith') ?? 0).toBeGreaterThan(counts.get('Thistlethwaite') ?? 0);
    expect(Math.max(...counts.values())).toBeGreaterThan(40);
  });

  it('makes the households that challenge matching: twins, namesakes in one family, married names, hyphens, deaths', () => {
    const byId = new Map(population.people.map((person) => [person.id, person]));
    const twins = population.people.filter((person) => person.twinId);
    expect(twins.length).toBeGreaterThan(0);
    for (const twin of twins) {
      const other = byId.get(twin.twinId!)!;
      expect(other.birthDate).toBe(twin.birthDate);
      expect(other.family).toBe(twin.family);
      expect(other.householdId).toBe(twin.householdId);
    }
    const juniors = population.people.filter((person) => person.fatherId && byId.get(person.fatherId)?.given === person.given);
    expect(juniors.length).toBeGreaterThan(0);
    for (const junior of juniors) expect(byId.get(junior.fatherId!)!.addresses.at(-1)!.address).toEqual(junior.addresses.at(-1)!.address);
    const married = population.people.filter((person) => person.birthFamily);
    expect(married.length).toBeGreaterThan(50);
    for (const person of married) expect(byId.get(person.spouseId!)!.family).toBe(person.family);
    expect(population.people.some((person) => person.family.includes('-'))).toBe(true);
    const dead = population.people.filter((person) => person.deathDate);
    expect(dead.length).toBeGreaterThan(10);
    for (const person of dead) {
      expect(person.deathDate! > person.birthDate).toBe(true);
      expect(person.deathDate! <= REFERENCE_DATE).toBe(true);
    }
  });
});

describe('clinicalHistory', () => {
  const population = generatePopulation({ seed: 11, size: 4_000, referenceDate: REFERENCE_DATE });
  const histories = population.people.map((person) => ({ person, history: clinicalHistory(person, population) }));

  it('is the same history every time it is asked for', () => {
    const person = population.people[123]!;
    expect(JSON.stringify(clinicalHistory(person, population))).toBe(JSON.stringify(clinicalHistory(person, population)));
  });

  it('puts every registered diabetic on a diabetic medicine with HbA1c results', () => {
    const diabetics = histories.filter(({ history }) =>
      history.conditions.some((condition) => condition.code.code === '44054006' && condition.system === 'gp'),
    );
    expect(diabetics.length).toBeGreaterThan(50);
    for (const { history } of diabetics) {
      expect(history.medications.some((medication) => medication.medication.display.startsWith('Metformin'))).toBe(true);
      const hba1c = history.observations.filter((observation) => observation.code.code === '1049301000000100');
      expect(hba1c.length).toBeGreaterThanOrEqual(2);
      for (const result of hba1c) {
        expect(result.value).toBeGreaterThanOrEqual(40);
        expect(result.value).toBeLessThanOrEqual(110);
        expect(result.unit).toBe('mmol/mol');
      }
    }
  });

  it('discharges everyone it admits, from an A&E attendance or electively', () => {
    const admissions = histories.flatMap(({ history }) =>
      history.encounters.filter((encounter) => encounter.type === 'inpatient-admission').map((admission) => ({ admission, history })),
    );
    expect(admissions.length).toBeGreaterThan(100);
    for (const { admission, history } of admissions) {
      expect(admission.end).toBeDefined();
      expect(admission.end! >= admission.start).toBe(true);
      expect(admission.dischargeDisposition).toBeDefined();
      if (admission.admittedFromId)
        expect(
          history.encounters.some((encounter) => encounter.id === admission.admittedFromId && encounter.type === 'ae-attendance'),
        ).toBe(true);
    }
  });

  it('never gives a penicillin to someone allergic to penicillin', () => {
    const allergic = histories.filter(({ history }) => history.allergies.some((allergy) => allergy.substance.code === '373270004'));
    expect(allergic.length).toBeGreaterThan(10);
    for (const { history } of allergic) {
      expect(history.medications.some((medication) => /Amoxicillin|Flucloxacillin/.test(medication.medication.display))).toBe(false);
    }
  });

  it('writes nothing after a death and books no future appointment for the dead', () => {
    for (const { person, history } of histories.filter(({ person }) => person.deathDate)) {
      for (const encounter of history.encounters) expect(encounter.start.slice(0, 10) <= person.deathDate!).toBe(true);
      expect(history.appointments.some((appointment) => appointment.status === 'booked')).toBe(false);
    }
  });

  it('has past and future appointments, care plans of every kind and social care with workers and packages', () => {
    const all = histories.map(({ history }) => history);
    const appointments = all.flatMap((history) => history.appointments);
    expect(appointments.some((appointment) => appointment.status === 'booked' && appointment.start > REFERENCE_DATE)).toBe(true);
    expect(appointments.some((appointment) => appointment.status === 'fulfilled' && appointment.start < REFERENCE_DATE)).toBe(true);
    const categories = new Set(all.flatMap((history) => history.carePlans.map((plan) => plan.category)));
    expect(categories).toEqual(new Set(['long-term-condition', 'mental-health-crisis', 'social-care-support']));
    const clients = histories.filter(({ person }) => person.care.socialCare);
    expect(clients.length).toBeGreaterThan(10);
    for (const { history } of clients) {
      expect(history.allocatedWorkers['social-care']).toBeDefined();
      expect(history.assessments.length).toBeGreaterThan(0);
    }
    expect(clients.some(({ history }) => history.carePackages.length > 0)).toBe(true);
  });

  it('keeps measurements physiologically plausible', () => {
    for (const { history } of histories) {
      for (const observation of history.observations) {
        if (observation.code.code === '27113001') expect(observation.value).toBeGreaterThan(20);
        if (observation.code.code === '75367002') {
          const [systolic, diastolic] = observation.components!;
          expect(systolic!.value).toBeGreaterThan(diastolic!.value);
        }
      }
    }
  });
});
