import { blockingKeys } from './blocking.js';
import { COMPARISONS, compareFields, MISSING } from './comparisons.js';
import type { IdentityFields } from './identity-fields.js';
import { judgePair } from './judge-pair.js';
import { DEFAULT_PARAMETERS, MatchModel } from './match-model.js';
import { DEFAULT_THRESHOLDS } from './match-thresholds.js';
import { normaliseIdentity } from './normalise.js';

const level = (field: string, a: IdentityFields, b: IdentityFields) => {
  const k = COMPARISONS.findIndex((comparison) => comparison.field === field);
  const levels = compareFields(normaliseIdentity(a), normaliseIdentity(b), new Int8Array(COMPARISONS.length));
  return levels[k] === MISSING ? 'missing' : COMPARISONS[k].levels[levels[k]];
};

// A model with the default m and u and the prior of a 100,000-person index.
const model = new MatchModel({ ...DEFAULT_PARAMETERS, lambda: 1e-5 });
const judge = (a: IdentityFields, b: IdentityFields) => judgePair(normaliseIdentity(a), normaliseIdentity(b), model, DEFAULT_THRESHOLDS);

const mary: IdentityFields = {
  nhsNumber: '943 476 5919',
  given: 'Mary',
  family: 'Jones',
  birthDate: '1961-04-13',
  sex: 'female',
  postcode: 'N7 9GU',
  addressLines: ['12 Holloway Road'],
};

describe('normalising demographics', () => {
  it('keeps a valid NHS number as digits and drops one that fails the modulus 11 check', () => {
    expect(normaliseIdentity({ nhsNumber: '943 476 5919' }).n).toBe('9434765919');
    expect(normaliseIdentity({ nhsNumber: '943 476 5918' }).n).toBeUndefined();
  });

  it('folds accents, drops titles, apostrophes and placeholder names', () => {
    const record = normaliseIdentity({ given: 'Mrs Zoë', family: "O'Brien-Smith", middle: 'Unknown' });
    expect(record).toMatchObject({ g: 'zoe', f: 'obriensmith', fp: ['obrien', 'smith'] });
    expect(record.mi).toBeUndefined();
    expect(normaliseIdentity({ given: 'BABY', family: 'UNKNOWN' })).toEqual({});
  });

  it('reads sex however an extract writes it and treats unknown as absent', () => {
    expect(['M', 'male', 'Man', '1'].map((sex) => normaliseIdentity({ sex }).s)).toEqual(['m', 'm', 'm', 'm']);
    expect(['F', 'Female', 'w', '2'].map((sex) => normaliseIdentity({ sex }).s)).toEqual(['f', 'f', 'f', 'f']);
    expect(['unknown', '', 'U'].map((sex) => normaliseIdentity({ sex }).s)).toEqual([undefined, undefined, undefined]);
  });

  it('keeps only real calendar dates', () => {
    expect(normaliseIdentity({ birthDate: '1990-02-29' }).d).toBeUndefined();
    expect(normaliseIdentity({ birthDate: '1992-02-29' }).d).toBe('1992-02-29');
    expect(normaliseIdentity({ birthDate: '1990-13-01' }).d).toBeUndefined();
  });

  it('splits a UK postcode into sector and district, and leaves other countries whole', () => {
    expect(normaliseIdentity({ postcode: 'ec1v 4pq' })).toMatchObject({ p: 'EC1V4PQ', ps: 'EC1V4', pd: 'EC1V' });
    expect(normaliseIdentity({ postcode: '2119' })).toEqual({ p: '2119' });
  });
});

describe('comparison levels', () => {
  it('knows nicknames and transliterations', () => {
    expect(level('given', { given: 'Bob' }, { given: 'Robert' })).toBe('nickname-or-spelling');
    expect(level('given', { given: 'Mohamed' }, { given: 'Muhammad' })).toBe('nickname-or-spelling');
    expect(level('family', { family: 'Choudhury' }, { family: 'Chowdhury' })).toBe('exact');
  });

  it('grades spelling mistakes by Jaro-Winkler similarity', () => {
    expect(level('given', { given: 'Jonathan' }, { given: 'Jonathon' })).toBe('jaro-winkler>=0.92');
    expect(level('family', { family: 'Smith' }, { family: 'Smyth' })).toBe('jaro-winkler>=0.80');
    expect(level('given', { given: 'Jack' }, { given: 'Oliver' })).toBe('different');
  });

  it('sees names keyed the wrong way round and a hyphenated surname part', () => {
    expect(level('given', { given: 'Jones', family: 'Mary' }, { given: 'Mary', family: 'Jones' })).toBe('names-swapped');
    expect(level('family', { family: 'Smith-Jones' }, { family: 'Jones' })).toBe('shares-a-part');
  });

  it('grades birth dates: a day/month swap, one part wrong, a digit or two, or nothing in common', () => {
    expect(level('birthDate', { birthDate: '1961-04-13' }, { birthDate: '1961-04-13' })).toBe('exact');
    expect(level('birthDate', { birthDate: '1961-04-11' }, { birthDate: '1961-11-04' })).toBe('day-month-swap');
    expect(level('birthDate', { birthDate: '1961-04-13' }, { birthDate: '1962-04-13' })).toBe('one-field-differs');
    expect(level('birthDate', { birthDate: '1961-04-13' }, { birthDate: '1961-05-14' })).toBe('two-digits-differ');
    expect(level('birthDate', { birthDate: '1961-04-13' }, { birthDate: '1994-08-27' })).toBe('different');
  });

  it('grades postcodes down to sector and district', () => {
    expect(level('postcode', { postcode: 'N7 9GU' }, { postcode: 'n79gu' })).toBe('exact');
    expect(level('postcode', { postcode: 'N7 9GU' }, { postcode: 'N7 9AB' })).toBe('sector');
    expect(level('postcode', { postcode: 'N7 9GU' }, { postcode: 'N7 6RT' })).toBe('district');
    expect(level('postcode', { postcode: '2119' }, { postcode: '2191' })).toBe('one-edit');
    expect(level('postcode', { postcode: 'N7 9GU' }, { postcode: 'SW1A 1AA' })).toBe('different');
  });

  it('treats a value missing on either side as no evidence', () => {
    expect(level('given', { given: 'Mary' }, {})).toBe('missing');
    expect(
      model.explain(normaliseIdentity({ given: 'Mary' }), normaliseIdentity({})).fields.find((field) => field.field === 'given'),
    ).toEqual({
      field: 'given',
      level: 'missing',
      weight: 0,
    });
  });
});

describe('blocking keys', () => {
  it('put a day/month swap and swapped names in the same block', () => {
    const a = blockingKeys(normaliseIdentity({ given: 'Mary', family: 'Jones', birthDate: '1961-04-11' }));
    const b = blockingKeys(normaliseIdentity({ given: 'Jones', family: 'Mary', birthDate: '1961-11-04' }));
    expect(a.filter((key) => b.includes(key)).length).toBeGreaterThan(0);
  });

  it('block a married woman with her maiden-name record by birth date and given name', () => {
    const a = blockingKeys(normaliseIdentity({ ...mary, nhsNumber: undefined }));
    const b = blockingKeys(normaliseIdentity({ ...mary, nhsNumber: undefined, family: 'Ahmed', postcode: 'E1 6AN' }));
    const shared = a.filter((key) => b.includes(key));
    expect(shared).toContainEqual(expect.stringMatching(/^dg:/));
    expect(shared.some((key) => /^(df|fp|gf):/.test(key))).toBe(false);
  });
});

describe('the rules for one pair', () => {
  it('links the same valid NHS number', () => {
    expect(judge(mary, { ...mary, given: 'Molly', postcode: 'E1 6AN' })).toMatchObject({
      kind: 'link',
      method: 'nhs-number',
      probability: 1,
    });
  });

  it('sends the same NHS number with another name, birth date and sex to review with a data-quality alert', () => {
    const relative = { ...mary, given: 'David', birthDate: '1993-07-02', sex: 'male' };
    expect(judge(mary, relative)).toMatchObject({ kind: 'review', reason: 'nhs-number-demographics-disagree', dataQualityAlert: true });
  });

  it('never links two different valid NHS numbers, however alike the rest', () => {
    const twin = { ...mary, nhsNumber: '9000000009' };
    expect(judge(mary, twin)).toMatchObject({ kind: 'review', reason: 'cluster-contradiction' });
  });

  it('links on demographics when one NHS number has a typo (fails the check)', () => {
    expect(judge(mary, { ...mary, nhsNumber: '943 476 5991' })).toMatchObject({ kind: 'link', method: 'probabilistic' });
  });

  it('never links twins without a steward: same birth date, surname and address, another given name', () => {
    const twin = { ...mary, nhsNumber: undefined, given: 'Susan' };
    expect(judge({ ...mary, nhsNumber: undefined }, twin)).toMatchObject({ kind: 'review', notes: ['given-names-differ'] });
  });

  it('never links a parent and child of the same name at one address without a steward', () => {
    const daughter = { ...mary, nhsNumber: undefined, birthDate: '1994-08-27' };
    expect(judge({ ...mary, nhsNumber: undefined }, daughter)).toMatchObject({ kind: 'review', notes: ['birth-dates-differ'] });
  });

  it('explains a decision field by field, with the prior and the total', () => {
    const explanation = model.explain(normaliseIdentity(mary), normaliseIdentity({ ...mary, given: 'Marry' }));
    expect(explanation.fields.map((field) => field.field)).toEqual(COMPARISONS.map((comparison) => comparison.field));
    const sum = explanation.fields.reduce((total, field) => total + field.weight, explanation.priorWeight);
    expect(explanation.totalWeight).toBeCloseTo(sum, 2);
    expect(explanation.fields.find((field) => field.field === 'given')).toMatchObject({ level: 'jaro-winkler>=0.92' });
  });

  it('weighs an exact common surname less than a rare one (term frequency)', () => {
    const counts = { smith: 1000, featherstonehaugh: 2 };
    const tfModel = new MatchModel({ ...DEFAULT_PARAMETERS, termFrequencies: { family: { total: 100_000, counts } } });
    const weight = (family: string) => tfModel.explain(normaliseIdentity({ family }), normaliseIdentity({ family })).totalWeight;
    expect(weight('Featherstonehaugh')).toBeGreaterThan(weight('Smith') + 5);
  });
});
