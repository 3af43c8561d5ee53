import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import type { R4Patient } from '../../../src/fhir/index.js';
import { IdentityMatchingService, type MatchOutcome } from '../../../src/modules/identity-matching/index.js';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { fileRedisPrefix, freshDatabaseUrl } from '../../setup/test-run.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { addSource, graphql, nhsNumber, PERSON_FIELDS } from './identity-index-setup.js';

// Real-time matching as the sync jobs and feeds drive it: a source identity is recorded, its
// match job runs on the worker, and the index answers which person it is. The hard cases of
// UK demographics: NHS numbers typed wrong or belonging to a relative, twins, a parent and
// child of one name at one address, a married name, and a record that joins two persons.

interface Person {
  id: string;
  nhsNumbers: string[];
  links: Array<{
    localId: string;
    method: string;
    score: number;
    source: { name: string };
    explanation: { fields: Array<{ field: string; level: string; weight: number }>; totalWeight: number; notes: string[] };
  }>;
}

describe('real-time matching of source identities', () => {
  let hub: RunningHub;
  let gp: string;
  let council: string;
  let hospital: string;

  // A database of its own: the model the matcher uses is the newest in match_model, and another
  // file's hub could train one on its own test identities in the run's shared database.
  const databaseUrl = freshDatabaseUrl('matching');

  beforeAll(async () => {
    await ensureDatabaseExists(databaseUrl);
    await migrateUp({ url: databaseUrl, poolSize: 1 });
    hub = await startTestHub({ TESSERA_ROLE: 'all', DATABASE_URL: databaseUrl, REDIS_PREFIX: `${fileRedisPrefix()}-realtime` });
    gp = await addSource(hub, 'Holloway Road Surgery');
    council = await addSource(hub, 'Islington Council');
    hospital = await addSource(hub, 'Whittington Hospital');
  });
  afterAll(async () => {
    await hub?.stop();
    await dropDatabase(databaseUrl);
  });

  const patient = (fields: {
    nhs?: string;
    given?: string;
    family?: string;
    birthDate?: string;
    gender?: R4Patient['gender'];
    postcode?: string;
    line?: string;
  }): R4Patient => ({
    resourceType: 'Patient',
    ...(fields.nhs ? { identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: fields.nhs }] } : {}),
    name: [{ use: 'official', ...(fields.family ? { family: fields.family } : {}), ...(fields.given ? { given: [fields.given] } : {}) }],
    ...(fields.birthDate ? { birthDate: fields.birthDate } : {}),
    ...(fields.gender ? { gender: fields.gender } : {}),
    ...(fields.postcode ? { address: [{ use: 'home', line: fields.line ? [fields.line] : [], postalCode: fields.postcode }] } : {}),
  });

  /** Records one patient as a sync would and waits for its match job to give it a person. */
  const record = async (sourceId: string, fields: Parameters<typeof patient>[0]): Promise<{ localId: string; person: Person }> => {
    const localId = `L${randomBytes(5).toString('hex')}`;
    await hub.app.get(IdentityMatchingService).recordSourceIdentities(sourceId, [{ localId, patient: patient(fields) }]);
    const person = await eventually(() => personOf(sourceId, localId), 15_000, `a person for ${localId}`);
    return { localId, person };
  };

  const personOf = async (sourceId: string, localId: string): Promise<Person | undefined> => {
    const answer = await graphql(
      hub,
      `query ($sourceId: ID!, $localId: String!) { personForIdentity(sourceId: $sourceId, localId: $localId) { ${PERSON_FIELDS} } }`,
      {
        sourceId,
        localId,
      },
    );
    return answer.data?.personForIdentity ?? undefined;
  };

  /** The pending reviews of an identity, once its match job has opened them (after it gave it a person). */
  const pendingReviews = async (localId: string) =>
    eventually(
      async () => {
        const rows = await hub.app
          .get(DataSource)
          .query<Array<{ reason: string; data_quality_alert: boolean; candidate_person_id: string }>>(
            `SELECT r.reason, r.data_quality_alert, r.candidate_person_id FROM match_review r JOIN source_identity si ON si.id = r.source_identity_id
         WHERE si.local_id = $1 AND r.status = 'pending'`,
            [localId],
          );
        return rows.length ? rows : undefined;
      },
      10_000,
      `a review for ${localId}`,
    );

  const mary = {
    given: 'Mary',
    family: 'Jones',
    birthDate: '1961-04-13',
    gender: 'female' as const,
    postcode: 'N7 9GU',
    line: '12 Holloway Road',
  };

  it('links the same valid NHS number across sources and explains the link', async () => {
    const nhs = nhsNumber();
    const first = await record(gp, { ...mary, nhs });
    const second = await record(hospital, { ...mary, given: 'Molly', postcode: 'N19 5ED', nhs });
    expect(second.person.id).toBe(first.person.id);
    const link = second.person.links.find((candidate) => candidate.localId === second.localId)!;
    expect(link).toMatchObject({ method: 'nhs-number', score: 1, source: { name: 'Whittington Hospital' } });
    expect(link.explanation.notes).toContain('nhs-number-equal');
    expect(link.explanation.fields.find((field) => field.field === 'birthDate')).toMatchObject({ level: 'exact' });
    expect(second.person.nhsNumbers).toEqual([nhs]);
  });

  it('links a record whose NHS number was mistyped (fails modulus 11) on its demographics', async () => {
    const nhs = nhsNumber();
    const typo = `${nhs.slice(0, 8)}${nhs[9]}${nhs[8]}`;
    const first = await record(gp, { ...mary, given: 'Siobhan', family: 'Featherstone', nhs });
    const second = await record(hospital, { ...mary, given: 'Siobhan', family: 'Featherstone', nhs: typo === nhs ? undefined : typo });
    expect(second.person.id).toBe(first.person.id);
    const link = second.person.links.find((candidate) => candidate.localId === second.localId)!;
    expect(link.method).toBe('probabilistic');
    expect(link.score).toBeGreaterThanOrEqual(0.95);
    expect(link.explanation.totalWeight).toBeGreaterThan(0);
  });

  it('sends the same NHS number with another name, birth date and sex to review, flagged as a data-quality alert', async () => {
    const nhs = nhsNumber();
    const mother = await record(gp, { ...mary, family: 'Okafor', nhs });
    // The council keyed the mother's number on her son's record.
    const son = await record(council, {
      given: 'David',
      family: 'Okafor',
      birthDate: '1993-07-02',
      gender: 'male',
      postcode: 'N7 9GU',
      line: '12 Holloway Road',
      nhs,
    });
    expect(son.person.id).not.toBe(mother.person.id);
    expect(await pendingReviews(son.localId)).toEqual([
      { reason: 'nhs-number-demographics-disagree', data_quality_alert: true, candidate_person_id: mother.person.id },
    ]);
  });

  it('links a married name change when the NHS number agrees', async () => {
    const nhs = nhsNumber();
    const before = await record(gp, { ...mary, family: 'Brennan', nhs });
    const after = await record(council, { ...mary, family: 'Achebe', postcode: 'E1 6AN', line: '4 Brick Lane', nhs });
    expect(after.person.id).toBe(before.person.id);
  });

  it('keeps twins apart (same birth date, surname and address) and asks a steward', async () => {
    const family = { family: 'Wojcik', birthDate: '2011-09-30', gender: 'female' as const, postcode: 'N1 9TT', line: '22 Market Estate' };
    const first = await record(council, { ...family, given: 'Amelia' });
    const twin = await record(council, { ...family, given: 'Isabella' });
    expect(twin.person.id).not.toBe(first.person.id);
    expect(await pendingReviews(twin.localId)).toEqual([
      expect.objectContaining({ reason: 'probable-match', candidate_person_id: first.person.id }),
    ]);
  });

  it('never links a parent and child of the same name at one address', async () => {
    const father = await record(council, {
      given: 'Joseph',
      family: 'Marshall',
      birthDate: '1974-06-08',
      gender: 'male',
      postcode: 'N4 4ZF',
      line: '316 Crouch Hill',
    });
    const son = await record(council, {
      given: 'Joseph',
      family: 'Marshall',
      birthDate: '2006-02-20',
      gender: 'male',
      postcode: 'N4 4ZF',
      line: '316 Crouch Hill',
    });
    expect(son.person.id).not.toBe(father.person.id);
  });

  it('joins two persons when a new record links to both, and records the merge', async () => {
    // Two fragments of one woman that share too little to link: name and birth date, and name and address.
    const byBirth = await record(council, { given: 'Aoife', family: 'Gallagher', birthDate: '1988-02-17' });
    const byAddress = await record(hospital, { given: 'Aoife', postcode: 'N5 2EF', line: '193 Highbury Grove' });
    expect(byAddress.person.id).not.toBe(byBirth.person.id);
    const whole = await record(gp, {
      given: 'Aoife',
      family: 'Gallagher',
      birthDate: '1988-02-17',
      postcode: 'N5 2EF',
      line: '193 Highbury Grove',
      nhs: nhsNumber(),
    });
    const merged = await eventually(async () => {
      const person = await personOf(gp, whole.localId);
      return person && person.links.length === 3 ? person : undefined;
    });
    expect(merged.links.map((link) => link.localId).sort()).toEqual([byBirth.localId, byAddress.localId, whole.localId].sort());
    const events = await hub.app
      .get(DataSource)
      .query<Array<{ kind: string; actor: string }>>(
        `SELECT kind, actor FROM identity_event WHERE kind = 'merge' AND (person_id = $1 OR other_person_id = $1)`,
        [merged.id],
      );
    expect(events).toEqual([{ kind: 'merge', actor: 'matcher' }]);
  });

  it('matching twice has one effect', async () => {
    const nhs = nhsNumber();
    const first = await record(gp, { ...mary, given: 'Chidi', family: 'Nwosu', gender: 'male', nhs });
    const [row] = await hub.app
      .get(DataSource)
      .query<Array<{ id: string }>>(`SELECT id FROM source_identity WHERE local_id = $1`, [first.localId]);
    const again: MatchOutcome = await hub.app.get(IdentityMatchingService).matchIdentity(row.id);
    expect(again).toMatchObject({ personId: first.person.id });
    const links = await hub.app.get(DataSource).query(`SELECT id FROM identity_link WHERE source_identity_id = $1`, [row.id]);
    expect(links).toHaveLength(1);
  });
});
