import { ALL_ORGANISATIONS, GP_PRACTICES } from './reference-data/organisations.js';
import { cohortOf, familyNameTable, givenNameTable, NAME_ORIGINS, ORIGIN_SHARES, type Cohort } from './reference-data/names.js';
import { BLOCKS, INWARD_LETTERS, STREETS } from './reference-data/places.js';
import { drawCareProfile } from './care-profile.js';
import { ageOn, dayNumber, isoDate, YEAR_DAYS } from './dates.js';
import { NhsNumberAllocator } from './nhs-numbers.js';
import { hashSeed, SeededRandom, WeightedTable } from './random.js';
import type { AddressPeriod, Household, NameOrigin, Person, Population, PostalAddress, Sex } from './population.types.js';

export interface PopulationOptions {
  seed: number;
  size: number;
  /** "Today" for the population, YYYY-MM-DD. */
  referenceDate: string;
}

type HouseholdKind = Household['kind'];

// Household make-up of an inner-London borough: many people living alone or sharing.
const HOUSEHOLD_KINDS = new WeightedTable<HouseholdKind>([
  ['single', 30],
  ['couple', 18],
  ['family', 20],
  ['single-parent', 10],
  ['older-couple', 7],
  ['sharers', 15],
]);

// Adult ages (years) for people heading households: a young borough with a long tail.
const ADULT_AGE_BANDS = new WeightedTable<[number, number]>([
  [[18, 24], 11],
  [[25, 34], 26],
  [[35, 44], 19],
  [[45, 54], 14],
  [[55, 64], 12],
  [[65, 74], 9],
  [[75, 84], 6],
  [[85, 100], 3],
]);

// Origins cluster in couples; where a woman takes her husband's name on marriage depends on custom.
const TAKES_HUSBANDS_NAME: Partial<Record<NameOrigin, number>> = {
  british: 0.8,
  irish: 0.75,
  caribbean: 0.7,
  'west-african': 0.6,
  polish: 0.85,
  portuguese: 0.4,
  italian: 0.3,
  'greek-cypriot': 0.8,
  turkish: 0.7,
  indian: 0.7,
  pakistani: 0.4,
};

interface Tables {
  origins: WeightedTable<NameOrigin>;
  given: Map<string, WeightedTable<string>>;
  family: Map<NameOrigin, WeightedTable<string>>;
  practices: WeightedTable<string>;
}

/** A whole synthetic borough, deterministic from the seed. */
export function generatePopulation(options: PopulationOptions): Population {
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('population size must be a whole number above 0');
  const generator = new PopulationGenerator(options);
  return generator.run();
}

class PopulationGenerator {
  private readonly random: SeededRandom;
  private readonly today: number;
  private readonly tables: Tables;
  private readonly nhsNumbers: NhsNumberAllocator;
  private readonly people: Person[] = [];
  private readonly households: Household[] = [];

  constructor(private readonly options: PopulationOptions) {
    this.random = SeededRandom.derive(options.seed, 'population');
    this.today = dayNumber(options.referenceDate);
    this.nhsNumbers = new NhsNumberAllocator(SeededRandom.derive(options.seed, 'nhs-numbers'));
    this.tables = buildTables();
  }

  run(): Population {
    while (this.people.length < this.options.size) this.household();
    // The last household may overflow the size; trim it so the borough is exactly the size asked for.
    const kept = this.people.slice(0, this.options.size);
    const keptIds = new Set(kept.map((person) => person.id));
    const households = this.households
      .map((household) => ({ ...household, memberIds: household.memberIds.filter((id) => keptIds.has(id)) }))
      .filter((household) => household.memberIds.length > 0);
    for (const person of kept) {
      for (const key of ['motherId', 'fatherId', 'spouseId', 'twinId'] as const) {
        const related = person[key];
        if (related && !keptIds.has(related)) delete person[key];
      }
    }
    return {
      seed: this.options.seed,
      referenceDate: this.options.referenceDate,
      people: kept,
      households,
      organisations: ALL_ORGANISATIONS,
    };
  }

  private household(): void {
    const kind = HOUSEHOLD_KINDS.draw(this.random);
    const id = `H${String(this.households.length + 1).padStart(6, '0')}`;
    const address = this.address();
    const movedIn = this.today - this.random.int(0, 25 * 365);
    const members: Person[] = [];
    const origin = this.tables.origins.draw(this.random);
    const context = { householdId: id, address, movedIn };

    switch (kind) {
      case 'single':
        members.push(this.adult(context, origin, this.adultAge()));
        break;
      case 'sharers': {
        const count = this.random.int(2, 5);
        for (let index = 0; index < count; index++)
          members.push(this.adult(context, this.tables.origins.draw(this.random), this.random.int(19, 39)));
        break;
      }
      case 'couple':
      case 'older-couple':
      case 'family': {
        const age = kind === 'older-couple' ? this.random.int(65, 95) : kind === 'family' ? this.random.int(24, 52) : this.adultAge();
        const [first, second] = this.couple(context, origin, age);
        members.push(first, second);
        if (kind === 'family') {
          const mother = first.sex === 'female' ? first : second.sex === 'female' ? second : undefined;
          const father = first.sex === 'male' ? first : second.sex === 'male' ? second : undefined;
          members.push(...this.children(context, mother, father, first, this.random.int(1, 4)));
        }
        break;
      }
      case 'single-parent': {
        const parent = this.adult(context, origin, this.random.int(20, 50), this.random.chance(0.85) ? 'female' : 'male');
        members.push(parent);
        const mother = parent.sex === 'female' ? parent : undefined;
        const father = parent.sex === 'male' ? parent : undefined;
        members.push(...this.children(context, mother, father, parent, this.random.int(1, 3)));
        break;
      }
    }

    const practice = this.tables.practices.draw(this.random);
    for (const person of members) this.finish(person, practice, movedIn);
    this.households.push({ id, kind, address, memberIds: members.map((person) => person.id) });
  }

  private adultAge(): number {
    const [low, high] = ADULT_AGE_BANDS.draw(this.random);
    return this.random.int(low, high);
  }

  private couple(context: HouseholdContext, origin: NameOrigin, age: number): [Person, Person] {
    const sameSex = this.random.chance(0.06);
    const firstSex: Sex = this.random.chance(0.5) ? 'male' : 'female';
    const secondSex: Sex = sameSex ? firstSex : firstSex === 'male' ? 'female' : 'male';
    const partnerOrigin = this.random.chance(0.82) ? origin : this.tables.origins.draw(this.random);
    const first = this.adult(context, origin, age, firstSex);
    const partnerAge = Math.max(18, Math.min(100, age + this.random.int(-6, 6)));
    const second = this.adult(context, partnerOrigin, partnerAge, secondSex);
    first.spouseId = second.id;
    second.spouseId = first.id;
    const wife = first.sex === 'female' ? first : second.sex === 'female' ? second : undefined;
    const husband = first.sex === 'male' ? first : second.sex === 'male' ? second : undefined;
    if (wife && husband && this.random.chance(0.7) && this.random.chance(TAKES_HUSBANDS_NAME[wife.nameOrigin] ?? 0)) {
      wife.birthFamily = wife.family;
      wife.family = husband.family;
      wife.title = 'Mrs';
    }
    return [first, second];
  }

  private children(
    context: HouseholdContext,
    mother: Person | undefined,
    father: Person | undefined,
    parent: Person,
    count: number,
  ): Person[] {
    const children: Person[] = [];
    const eldestParentAge = ageOn(dayNumber(parent.birthDate), this.today);
    const family = this.childFamilyName(mother, father, parent);
    for (let index = 0; index < count; index++) {
      const maxAge = Math.max(0, Math.min(20, eldestParentAge - 18));
      const age = this.random.int(0, maxAge);
      const birthDay = this.birthDayForAge(age);
      const child = this.person(context, parent.nameOrigin, this.random.chance(0.5) ? 'male' : 'female', birthDay, family);
      if (mother) child.motherId = mother.id;
      if (father) child.fatherId = father.id;
      // A son named after his father: the hardest pair for any matcher.
      if (father && child.sex === 'male' && this.random.chance(0.04)) child.given = father.given;
      children.push(child);
      if (this.random.chance(0.03)) {
        const twin = this.person(context, parent.nameOrigin, this.random.chance(0.5) ? 'male' : 'female', birthDay, family);
        twin.motherId = child.motherId;
        twin.fatherId = child.fatherId;
        twin.twinId = child.id;
        child.twinId = twin.id;
        if (twin.given === child.given)
          twin.given = this.givenName(twin.nameOrigin, twin.sex, cohortOf(new Date(birthDay * 86_400_000).getUTCFullYear()), child.given);
        children.push(twin);
      }
    }
    return children;
  }

  private childFamilyName(mother: Person | undefined, father: Person | undefined, parent: Person): string {
    if (mother && father && mother.family !== father.family && this.random.chance(0.35)) return `${father.family}-${mother.family}`;
    return (father ?? parent).family;
  }

  private adult(context: HouseholdContext, origin: NameOrigin, age: number, sex?: Sex): Person {
    const chosenSex = sex ?? (this.random.chance(0.5) ? 'male' : 'female');
    return this.person(context, origin, chosenSex, this.birthDayForAge(age));
  }

  private birthDayForAge(age: number): number {
    return this.today - Math.floor(age * YEAR_DAYS) - this.random.int(1, 364);
  }

  private person(context: HouseholdContext, origin: NameOrigin, sex: Sex, birthDay: number, family?: string): Person {
    const index = this.people.length;
    const cohort = cohortOf(new Date(birthDay * 86_400_000).getUTCFullYear());
    const given = this.givenName(origin, sex, cohort);
    const person: Person = {
      id: `P${String(index + 1).padStart(7, '0')}`,
      index,
      nhsNumber: this.nhsNumbers.next(),
      given,
      family: family ?? this.tables.family.get(origin)!.draw(this.random),
      sex,
      birthDate: isoDate(birthDay),
      nameOrigin: origin,
      addresses: [{ address: context.address, from: isoDate(Math.max(birthDay, context.movedIn)) }],
      householdId: context.householdId,
      care: { conditions: [], acute: false, mentalHealth: false, socialCare: false },
      historySeed: hashSeed(this.options.seed, 'history', index),
    };
    if (this.random.chance(0.35)) {
      const middle = this.givenName(origin, sex, cohort, given);
      if (middle !== given) person.middle = middle;
    }
    this.people.push(person);
    return person;
  }

  private givenName(origin: NameOrigin, sex: Sex, cohort: Cohort, avoid?: string): string {
    const table = this.tables.given.get(`${origin}|${sex}|${cohort}`)!;
    let name = table.draw(this.random);
    for (let attempt = 0; name === avoid && attempt < 5; attempt++) name = table.draw(this.random);
    return name;
  }

  /** Age-dependent facts: title, phone, earlier addresses, death, registration, care profile. */
  private finish(person: Person, practice: string, movedIn: number): void {
    const birthDay = dayNumber(person.birthDate);
    const age = ageOn(birthDay, this.today);
    if (age >= 18) {
      person.title ??= person.sex === 'male' ? 'Mr' : this.random.chance(0.5) ? 'Ms' : 'Miss';
      if (this.random.chance(0.02)) person.title = 'Dr';
      if (this.random.chance(0.85)) person.phone = `07700 900${String(this.random.int(0, 999)).padStart(3, '0')}`;
    }
    // A quarter moved within the borough before their current home.
    if (movedIn > birthDay + 365 && this.random.chance(0.25)) {
      const previous: AddressPeriod = {
        address: this.address(),
        from: isoDate(Math.max(birthDay, movedIn - this.random.int(365, 12 * 365))),
        to: isoDate(movedIn - 1),
      };
      if (previous.from < previous.to!) person.addresses.unshift(previous);
    }
    const deathChance = age >= 85 ? 0.12 : age >= 75 ? 0.05 : age >= 65 ? 0.02 : 0.002;
    if (this.random.chance(deathChance)) person.deathDate = isoDate(this.today - this.random.int(1, 3 * 365));
    if (person.deathDate && person.deathDate <= person.birthDate) delete person.deathDate;

    // Two in a hundred adults are registered with no practice (new arrivals, rough sleepers).
    if (!(age >= 18 && this.random.chance(0.02))) {
      const ownPractice = this.random.chance(0.9) ? practice : this.tables.practices.draw(this.random);
      person.gp = { practiceCode: ownPractice, registeredFrom: isoDate(Math.max(birthDay, movedIn - this.random.int(0, 365))) };
    }
    person.care = drawCareProfile(this.random, person, age);
  }

  private address(): PostalAddress {
    if (this.random.chance(0.2)) {
      const block = this.random.pick(BLOCKS);
      const street = STREETS.find((candidate) => candidate.name === block.street) ?? STREETS[0]!;
      const flat = this.random.int(1, 120);
      return {
        lines: [`${flat} ${block.name}`, street.name],
        town: 'London',
        postcode: postcodeFor(this.options.seed, street.sectors[0]!, block.name),
      };
    }
    const street = this.random.pick(STREETS);
    const number = this.random.int(1, 320);
    const sector = street.sectors[number % street.sectors.length]!;
    const postcode = postcodeFor(this.options.seed, sector, `${number} ${street.name}`);
    const houseLine = `${number} ${street.name}`;
    if (this.random.chance(street.flats)) return { lines: [`Flat ${this.random.int(1, 12)}`, houseLine], town: 'London', postcode };
    return { lines: [houseLine], town: 'London', postcode };
  }
}

interface HouseholdContext {
  householdId: string;
  address: PostalAddress;
  movedIn: number;
}

/** One building, one postcode: the inward letters come from the building, not the draw. */
function postcodeFor(seed: number, sector: string, building: string): string {
  const hash = hashSeed(seed, 'postcode', building) >>> 0;
  const first = INWARD_LETTERS[hash % INWARD_LETTERS.length];
  const second = INWARD_LETTERS[Math.floor(hash / INWARD_LETTERS.length) % INWARD_LETTERS.length];
  return `${sector}${first}${second}`;
}

function buildTables(): Tables {
  const given = new Map<string, WeightedTable<string>>();
  for (const origin of NAME_ORIGINS) {
    for (const sex of ['male', 'female'] as const) {
      for (const cohort of ['older', 'middle', 'younger'] as const)
        given.set(`${origin}|${sex}|${cohort}`, new WeightedTable(givenNameTable(origin, sex, cohort)));
    }
  }
  const family = new Map(NAME_ORIGINS.map((origin) => [origin, new WeightedTable(familyNameTable(origin))] as const));
  // Practice list sizes differ: a few large practices, many small ones.
  const practices = new WeightedTable(GP_PRACTICES.map((practice, index) => [practice.code, 1 + ((index * 7) % 5)] as const));
  return { origins: new WeightedTable(ORIGIN_SHARES), given, family, practices };
}
