import { randomUUID } from 'node:crypto';

import type { RunningHub } from '../../../src/bootstrap.js';
import { IdentityEvents, type IdentityChanged } from '../../../src/modules/identity-matching/index.js';
import { IdentityIndexRepository } from '../../../src/modules/identity-matching/repositories/identity-index.repository.js';
import { eventually } from '../../setup/test-hub.js';
import { TEST_STEWARD } from '../../setup/test-issuer.js';
import { fileRedisPrefix } from '../../setup/test-run.js';
import {
  addIdentity,
  addSource,
  CHANGE_FIELDS,
  graphql,
  type GraphqlAnswer,
  nhsNumber,
  nhsNumberExplanation,
  PERSON_FIELDS,
  probableExplanation,
  queuedMatches,
  startStewardHub,
} from './identity-index-setup.js';

// Data stewards at work through operator GraphQL: reading a person's links and why they were
// made, the review queue side by side, accept and reject, manual link and unlink, merge and
// unmerge, and undo. Every change lands in the history, is announced to the rest of the hub,
// and hands what it touched back to the matcher.

/** Changes are recorded as made by the signed-in steward: their subject, then their name. */
const stewardActor = `${TEST_STEWARD.sub} (${TEST_STEWARD.name})`;

const personQuery = `query Person($id: ID!) { person(id: $id) { ${PERSON_FIELDS} } }`;
const reviewsQuery = `query Reviews($status: String!, $limit: Int!) {
  matchReviews(status: $status, limit: $limit) {
    id status reason score dataQualityAlert createdAt decidedBy decisionNote
    explanation { fields { field level weight } probability modelVersion notes }
    identity { id localId personId source { name } demographics { nhsNumber given family birthDate sex postcode } }
    candidate { ${PERSON_FIELDS} }
  }
}`;
const historyQuery = `query History($personId: ID!) { identityHistory(personId: $personId) { id kind reason actor undoes undoneBy partOf detail } }`;
const acceptMutation = `mutation Accept($id: ID!, $note: String) { acceptMatchReview(id: $id, note: $note) { ${CHANGE_FIELDS} } }`;
const rejectMutation = `mutation Reject($id: ID!, $note: String) { rejectMatchReview(id: $id, note: $note) { ${CHANGE_FIELDS} } }`;
const linkMutation = `mutation Link($sourceIdentityId: ID!, $personId: ID!, $reason: String!) {
  linkIdentity(sourceIdentityId: $sourceIdentityId, personId: $personId, reason: $reason) { ${CHANGE_FIELDS} } }`;
const unlinkMutation = `mutation Unlink($sourceIdentityId: ID!, $reason: String!) {
  unlinkIdentity(sourceIdentityId: $sourceIdentityId, reason: $reason) { ${CHANGE_FIELDS} } }`;
const mergeMutation = `mutation Merge($survivorId: ID!, $mergedId: ID!, $reason: String!, $force: Boolean) {
  mergePersons(survivorId: $survivorId, mergedId: $mergedId, reason: $reason, force: $force) { ${CHANGE_FIELDS} } }`;
const unmergeMutation = `mutation Unmerge($mergeEventId: ID!, $reason: String!) {
  unmergePersons(mergeEventId: $mergeEventId, reason: $reason) { ${CHANGE_FIELDS} } }`;
const undoMutation = `mutation Undo($eventId: ID!, $reason: String!) { undoIdentityEvent(eventId: $eventId, reason: $reason) { ${CHANGE_FIELDS} } }`;

interface LinkView {
  sourceIdentityId: string;
  method: string;
  score: number;
  source: { name: string };
  demographics: Record<string, string | null>;
  explanation: {
    probability: number;
    modelVersion: string;
    notes: string[];
    fields: Array<{ field: string; level: string; weight: number }>;
  };
}

describe('stewardship through operator GraphQL', () => {
  let hub: RunningHub;
  let listener: RunningHub;
  let index: IdentityIndexRepository;
  const heard: IdentityChanged[] = [];
  let stopListening: () => void;

  beforeAll(async () => {
    const prefix = fileRedisPrefix();
    [hub, listener] = await Promise.all([startStewardHub(prefix), startStewardHub(prefix)]);
    index = hub.app.get(IdentityIndexRepository);
    stopListening = await listener.app.get(IdentityEvents).subscribe((change) => {
      heard.push(change);
    });
  });
  afterAll(async () => {
    stopListening?.();
    await Promise.all([hub?.stop(), listener?.stop()]);
  });

  /** Runs a query or mutation that must succeed. */
  async function ok(query: string, variables: Record<string, unknown> = {}) {
    const answer = await graphql(hub, query, variables);
    expect(answer.errors).toBeUndefined();
    return answer.data!;
  }

  /** Runs one that must be refused, and returns the refusal. */
  async function refused(query: string, variables: Record<string, unknown>) {
    const answer: GraphqlAnswer = await graphql(hub, query, variables);
    expect(answer.errors).toHaveLength(1);
    return answer.errors![0]!;
  }

  const person = async (id: string) =>
    (await ok(personQuery, { id })).person as {
      id: string;
      state: string;
      mergedInto: string | null;
      nhsNumbers: string[];
      links: LinkView[];
    };
  const identitiesOf = async (id: string) => (await person(id)).links.map((link) => link.sourceIdentityId).sort();
  const place = async (sourceIdentityId: string, personId?: string) =>
    index.linkIdentity({
      sourceIdentityId,
      personId,
      method: 'probabilistic',
      score: 0.95,
      explanation: probableExplanation(0.95),
      actor: 'matcher',
    });
  const announced = (eventId: string) =>
    eventually(async () => heard.find((change) => change.eventId === eventId), 5_000, `identity-changed for event ${eventId}`);
  const requeued = async (eventId: string) =>
    (await queuedMatches(hub))
      .filter((job) => job.jobId.startsWith(`reevaluate-${eventId}-`))
      .map((job) => job.sourceIdentityId)
      .sort();

  it("shows a person's links with each source's name, the method, the score and why", async () => {
    const hospital = await addSource(hub, 'Riverside Hospital');
    const council = await addSource(hub, 'Borough Social Care');
    const number = nhsNumber();
    const fromHospital = await addIdentity(
      hub,
      hospital,
      {
        nhsNumber: number,
        given: 'Grace',
        family: 'Mensah',
        birthDate: '1948-11-03',
        gender: 'female',
        postcode: 'E8 3PL',
      },
      'RVH-1001',
    );
    const fromCouncil = await addIdentity(hub, council, { given: 'Gracie', family: 'Mensah', birthDate: '1948-03-11', postcode: 'E8 3PJ' });
    const first = await index.linkIdentity({
      sourceIdentityId: fromHospital,
      method: 'nhs-number',
      score: 1,
      explanation: nhsNumberExplanation(),
      actor: 'matcher',
    });
    await place(fromCouncil, first.personId);

    const shown = await person(first.personId);

    expect(shown).toMatchObject({ id: first.personId, state: 'active', mergedInto: null, nhsNumbers: [number] });
    expect(shown.links).toHaveLength(2);
    expect(shown.links[0]).toMatchObject({
      sourceIdentityId: fromHospital,
      source: { name: 'Riverside Hospital' },
      method: 'nhs-number',
      score: 1,
      demographics: { nhsNumber: number, given: 'Grace', family: 'Mensah', birthDate: '1948-11-03', sex: 'female', postcode: 'E8 3PL' },
      explanation: { probability: 1, notes: ['nhs-number-equal'], fields: [{ field: 'nhsNumber', level: 'exact', weight: 20 }] },
    });
    expect(shown.links[1]).toMatchObject({
      source: { name: 'Borough Social Care' },
      method: 'probabilistic',
      score: 0.95,
      demographics: { nhsNumber: null, given: 'Gracie' },
      explanation: {
        modelVersion: '3',
        fields: expect.arrayContaining([{ field: 'birthDate', level: 'day-month-swap', weight: 3.2 }]),
      },
    });
    const byLocalId = await ok(`query { personForIdentity(sourceId: "${hospital}", localId: "RVH-1001") { id } }`);
    expect(byLocalId.personForIdentity).toEqual({ id: first.personId });
  });

  it('puts a review side by side, accepts it with its explanation, and undoes the acceptance', async () => {
    const gp = await addSource(hub, 'Elm Street Surgery');
    const hospital = await addSource(hub, 'Riverside Hospital');
    const number = nhsNumber();
    const gpRecord = await addIdentity(hub, gp, {
      nhsNumber: number,
      given: 'Yusuf',
      family: 'Khan',
      birthDate: '1979-06-21',
      postcode: 'N4 1AA',
    });
    const candidate = await index.linkIdentity({
      sourceIdentityId: gpRecord,
      method: 'nhs-number',
      score: 1,
      explanation: nhsNumberExplanation(),
      actor: 'matcher',
    });
    const newRecord = await addIdentity(hub, hospital, {
      nhsNumber: number,
      given: 'Joseph',
      family: 'Kahn',
      birthDate: '1997-01-02',
      postcode: 'SE1 7EH',
    });
    const own = await index.linkIdentity({
      sourceIdentityId: newRecord,
      method: 'probabilistic',
      score: 0,
      explanation: probableExplanation(0.01),
      actor: 'matcher',
    });
    const { reviewId } = await index.openReview({
      sourceIdentityId: newRecord,
      candidatePersonId: candidate.personId,
      reason: 'nhs-number-demographics-disagree',
      score: 0.42,
      explanation: { ...probableExplanation(0.42), notes: ['nhs-number-demographics-disagree'] },
      dataQualityAlert: true,
    });

    const pending = (await ok(reviewsQuery, { status: 'pending', limit: 100 })).matchReviews as Array<
      Record<string, unknown> & { id: string }
    >;
    const review = pending.find((candidateReview) => candidateReview.id === reviewId);
    expect(review).toMatchObject({
      status: 'pending',
      reason: 'nhs-number-demographics-disagree',
      score: 0.42,
      dataQualityAlert: true,
      explanation: { probability: 0.42, notes: ['nhs-number-demographics-disagree'] },
      identity: {
        id: newRecord,
        personId: own.personId,
        source: { name: 'Riverside Hospital' },
        demographics: { given: 'Joseph', family: 'Kahn', birthDate: '1997-01-02' },
      },
      candidate: {
        id: candidate.personId,
        nhsNumbers: [number],
        links: [{ source: { name: 'Elm Street Surgery' }, demographics: { given: 'Yusuf', family: 'Khan', birthDate: '1979-06-21' } }],
      },
    });

    const accepted = (await ok(acceptMutation, { id: reviewId, note: 'GP confirmed the hospital mistyped the name' })).acceptMatchReview;
    expect(accepted.event).toMatchObject({
      kind: 'review-accepted',
      actor: stewardActor,
      personId: candidate.personId,
      otherPersonId: own.personId,
    });
    const joined = (accepted.persons as Array<{ id: string; links: LinkView[] }>).find((shown) => shown.id === candidate.personId)!;
    expect(joined.links.find((link) => link.sourceIdentityId === newRecord)).toMatchObject({
      method: 'manual',
      score: 0.42,
      explanation: { probability: 0.42, notes: ['nhs-number-demographics-disagree'] },
    });
    // The person the record had on its own is left empty, not deleted.
    expect(await identitiesOf(own.personId)).toEqual([]);
    const decided = (await ok(reviewsQuery, { status: 'accepted', limit: 100 })).matchReviews as Array<{
      id: string;
      decidedBy: string;
      decisionNote: string;
    }>;
    expect(decided.find((candidateReview) => candidateReview.id === reviewId)).toMatchObject({
      decidedBy: stewardActor,
      decisionNote: 'GP confirmed the hospital mistyped the name',
    });
    expect((await announced(accepted.event.id)).personIds.sort()).toEqual([candidate.personId, own.personId].sort());

    const undone = (await ok(undoMutation, { eventId: accepted.event.id, reason: 'accepted the wrong pair' })).undoIdentityEvent;
    expect(undone.event).toMatchObject({ kind: 'undo', undoes: accepted.event.id, reason: 'accepted the wrong pair' });
    expect(await identitiesOf(candidate.personId)).toEqual([gpRecord]);
    expect(await identitiesOf(own.personId)).toEqual([newRecord]);
    const again = (await ok(reviewsQuery, { status: 'pending', limit: 100 })).matchReviews as Array<{ id: string }>;
    expect(again.map((candidateReview) => candidateReview.id)).toContain(reviewId);
    expect(await requeued(undone.event.id)).toEqual([newRecord]);

    const twice = await refused(undoMutation, { eventId: accepted.event.id, reason: 'again' });
    expect(twice.extensions.code).toBe('CONFLICT');
    expect(twice.message).toBe(`event ${accepted.event.id} was already undone by event ${undone.event.id}`);
  });

  it('rejects a review as a constraint the matcher respects, re-evaluates the record, and can reopen it', async () => {
    const source = await addSource(hub);
    const anchor = await addIdentity(hub, source, { given: 'Lena', family: 'Fischer', birthDate: '2010-04-04' });
    const candidate = await place(anchor);
    const twin = await addIdentity(hub, source, { given: 'Lara', family: 'Fischer', birthDate: '2010-04-04' });
    await place(twin);
    const { reviewId } = await index.openReview({
      sourceIdentityId: twin,
      candidatePersonId: candidate.personId,
      reason: 'probable-match',
      score: 0.8,
      explanation: probableExplanation(0.8),
      dataQualityAlert: false,
    });

    const rejected = (await ok(rejectMutation, { id: reviewId, note: 'twins: different first names' })).rejectMatchReview;

    expect(rejected.event).toMatchObject({ kind: 'review-rejected', reason: 'twins: different first names' });
    expect(await index.rejectedPersons(twin)).toEqual([candidate.personId]);
    expect(await requeued(rejected.event.id)).toEqual([twin]);
    await announced(rejected.event.id);

    const reopened = (await ok(undoMutation, { eventId: rejected.event.id, reason: 'rejected by mistake' })).undoIdentityEvent;
    expect(reopened.event.kind).toBe('undo');
    expect(await index.rejectedPersons(twin)).toEqual([]);
    const pending = (await ok(reviewsQuery, { status: 'pending', limit: 100 })).matchReviews as Array<{ id: string }>;
    expect(pending.map((review) => review.id)).toContain(reviewId);
  });

  it('links by hand, unlinks onto a new person with a constraint, and undoes the unlink', async () => {
    const source = await addSource(hub);
    const [mother, daughter, stray] = await Promise.all([
      addIdentity(hub, source, { given: 'Mary', family: 'Doyle', birthDate: '1961-08-08', postcode: 'L8 1XY' }),
      addIdentity(hub, source, { given: 'Mary', family: 'Doyle', birthDate: '1988-08-08', postcode: 'L8 1XY' }),
      addIdentity(hub, source, { given: 'M', family: 'Doyle', postcode: 'L8 1XY' }),
    ]);
    const motherPerson = await place(mother!);
    await place(daughter!, motherPerson.personId); // the matcher's mistake: parent and child, same name, same address
    await place(stray!);

    const linked = (
      await ok(linkMutation, { sourceIdentityId: stray, personId: motherPerson.personId, reason: 'same hospital number on the letter' })
    ).linkIdentity;
    expect(linked.event).toMatchObject({ kind: 'link', reason: 'same hospital number on the letter', actor: stewardActor });
    expect(await identitiesOf(motherPerson.personId)).toEqual([mother, daughter, stray].sort());
    const manual = (await person(motherPerson.personId)).links.find((link) => link.sourceIdentityId === stray);
    expect(manual).toMatchObject({
      method: 'manual',
      score: 1,
      explanation: { modelVersion: 'steward', notes: ['manual-link-by-steward'] },
    });

    const unlinked = (await ok(unlinkMutation, { sourceIdentityId: daughter, reason: 'daughter, born 1988' })).unlinkIdentity;
    const newPersonId = unlinked.event.otherPersonId as string;
    expect(unlinked.event).toMatchObject({ kind: 'unlink', personId: motherPerson.personId, sourceIdentityId: daughter });
    expect(await identitiesOf(newPersonId)).toEqual([daughter]);
    expect(await identitiesOf(motherPerson.personId)).toEqual([mother, stray].sort());
    // "Not the same person": the matcher will not link her back.
    expect(await index.rejectedPersons(daughter!)).toEqual([motherPerson.personId]);
    // An unlink re-evaluates what it touched: the record moved and those it leaves behind.
    expect(await requeued(unlinked.event.id)).toEqual([mother, daughter, stray].sort());
    expect((await announced(unlinked.event.id)).personIds.sort()).toEqual([motherPerson.personId, newPersonId].sort());

    const restored = (await ok(undoMutation, { eventId: unlinked.event.id, reason: 'the steward had the wrong record open' }))
      .undoIdentityEvent;
    expect(restored.event).toMatchObject({ kind: 'undo', undoes: unlinked.event.id });
    expect(await identitiesOf(motherPerson.personId)).toEqual([mother, daughter, stray].sort());
    expect(await identitiesOf(newPersonId)).toEqual([]);
    expect(await index.rejectedPersons(daughter!)).toEqual([]);

    const alone = await refused(unlinkMutation, { sourceIdentityId: await addAlone(source), reason: 'nothing to leave' });
    expect(alone.extensions.code).toBe('CONFLICT');
    expect(alone.message).toMatch(/is the only identity of its person/);
  });

  async function addAlone(source: string): Promise<string> {
    const identity = await addIdentity(hub, source, { given: 'Solo', family: 'Person' });
    await place(identity);
    return identity;
  }

  it('merges every link into the survivor, and an unmerge restores exactly those', async () => {
    const source = await addSource(hub);
    const [a1, a2, b1, b2, later] = await Promise.all(
      ['Ann', 'Anne', 'Annie', 'Ana', 'Anna'].map((given) => addIdentity(hub, source, { given, family: 'Lewis', birthDate: '1975-10-10' })),
    );
    const survivor = (await place(a1!)).personId;
    await place(a2!, survivor);
    const merged = (await place(b1!)).personId;
    await place(b2!, merged);

    const merge = (await ok(mergeMutation, { survivorId: survivor, mergedId: merged, reason: 'same person: GP letter' })).mergePersons;
    expect(merge.event).toMatchObject({ kind: 'merge', personId: survivor, otherPersonId: merged, reason: 'same person: GP letter' });
    expect(await identitiesOf(survivor)).toEqual([a1, a2, b1, b2].sort());
    expect(await person(merged)).toMatchObject({ state: 'merged', mergedInto: survivor, links: [] });
    expect((await announced(merge.event.id)).personIds.sort()).toEqual([survivor, merged].sort());
    // A record the matcher places on the merged person after the merge lands on the survivor, and stays there.
    await place(later!, merged);

    const unmerge = (await ok(unmergeMutation, { mergeEventId: merge.event.id, reason: 'two people after all' })).unmergePersons;

    expect(unmerge.event).toMatchObject({ kind: 'unmerge', undoes: merge.event.id });
    expect(await identitiesOf(merged)).toEqual([b1, b2].sort());
    expect(await identitiesOf(survivor)).toEqual([a1, a2, later].sort());
    expect(await person(merged)).toMatchObject({ state: 'active', mergedInto: null });
    expect(await requeued(unmerge.event.id)).toEqual([b1, b2].sort());
    expect((await announced(unmerge.event.id)).personIds.sort()).toEqual([survivor, merged].sort());
    const history = (await ok(historyQuery, { personId: merged })).identityHistory as Array<{
      id: string;
      kind: string;
      undoneBy: string | null;
    }>;
    expect(history.slice(0, 2)).toMatchObject([
      { id: unmerge.event.id, kind: 'unmerge' },
      { id: merge.event.id, kind: 'merge', undoneBy: unmerge.event.id },
    ]);
    // "Two people after all" holds: the matcher re-evaluating them will not join them again.
    expect(await index.rejectedPersons(b1!)).toEqual([survivor]);
    expect(await index.rejectedPersons(a1!)).toEqual([merged]);
    const again = await refused(unmergeMutation, { mergeEventId: merge.event.id, reason: 'again' });
    expect(again.extensions.code).toBe('CONFLICT');

    // Undoing the unmerge merges again, lifts those constraints, and puts the merge back in effect.
    const remerged = (await ok(undoMutation, { eventId: unmerge.event.id, reason: 'the GP letter was right' })).undoIdentityEvent;
    expect(remerged.event).toMatchObject({ kind: 'undo', undoes: unmerge.event.id });
    expect(await identitiesOf(survivor)).toEqual([a1, a2, b1, b2, later].sort());
    expect(await person(merged)).toMatchObject({ state: 'merged', mergedInto: survivor });
    expect(await index.rejectedPersons(b1!)).toEqual([]);
    const secondUnmerge = (await ok(unmergeMutation, { mergeEventId: merge.event.id, reason: 'no, two people' })).unmergePersons;
    expect(secondUnmerge.event.undoes).toBe(merge.event.id);
    expect(await identitiesOf(merged)).toEqual([b1, b2].sort());
  });

  it('refuses to merge persons holding different NHS numbers unless the steward forces it, and undoes the merge', async () => {
    const source = await addSource(hub);
    const first = await addIdentity(hub, source, { nhsNumber: nhsNumber(), given: 'Chris', family: 'Taylor', birthDate: '1982-02-02' });
    const second = await addIdentity(hub, source, { nhsNumber: nhsNumber(), given: 'Chris', family: 'Taylor', birthDate: '1982-02-02' });
    const one = (
      await index.linkIdentity({
        sourceIdentityId: first,
        method: 'nhs-number',
        score: 1,
        explanation: nhsNumberExplanation(),
        actor: 'matcher',
      })
    ).personId;
    const two = (
      await index.linkIdentity({
        sourceIdentityId: second,
        method: 'nhs-number',
        score: 1,
        explanation: nhsNumberExplanation(),
        actor: 'matcher',
      })
    ).personId;

    const contradiction = await refused(mergeMutation, { survivorId: one, mergedId: two, reason: 'looks the same' });
    expect(contradiction.extensions).toMatchObject({ code: 'CONFLICT', reason: 'CONTRADICTION' });
    expect(contradiction.message).toBe(
      `persons ${one} and ${two} hold different NHS numbers; a steward may merge them with force and a reason`,
    );
    expect(await identitiesOf(two)).toEqual([second]);

    const forced = (await ok(mergeMutation, { survivorId: one, mergedId: two, reason: 'PDS confirms a duplicate NHS number', force: true }))
      .mergePersons;
    expect(JSON.parse(forced.event.detail)).toMatchObject({ forced: true });
    expect((await person(one)).nhsNumbers).toHaveLength(2);

    const undone = (await ok(undoMutation, { eventId: forced.event.id, reason: 'PDS was wrong' })).undoIdentityEvent;
    expect(undone.event).toMatchObject({ kind: 'undo', undoes: forced.event.id });
    expect(await identitiesOf(one)).toEqual([first]);
    expect(await identitiesOf(two)).toEqual([second]);
    expect((await announced(undone.event.id)).personIds.sort()).toEqual([one, two].sort());
    expect((await refused(undoMutation, { eventId: forced.event.id, reason: 'again' })).extensions.code).toBe('CONFLICT');
  });

  it('undoes a link only while no later change to the record stands, and only as a whole', async () => {
    const source = await addSource(hub);
    const record = await addIdentity(hub, source, { given: 'Olu', family: 'Bello', birthDate: '1993-03-03' });
    const elsewhere = await addIdentity(hub, source, { given: 'Olu', family: 'Bello' });
    const first = await place(record);
    const target = (await place(elsewhere)).personId;
    const moved = (await ok(linkMutation, { sourceIdentityId: record, personId: target, reason: 'moved by hand' })).linkIdentity;
    const history = (await ok(historyQuery, { personId: first.personId })).identityHistory as Array<{
      id: string;
      kind: string;
      partOf: string | null;
    }>;
    const unlinkPart = history.find((event) => event.kind === 'unlink')!;
    expect(unlinkPart.partOf).toBe(moved.event.id);

    const part = await refused(undoMutation, { eventId: unlinkPart.id, reason: 'undo the part' });
    expect(part).toMatchObject({
      extensions: { code: 'CONFLICT' },
      message: `event ${unlinkPart.id} is part of event ${moved.event.id}; undo that one instead`,
    });
    const superseded = await refused(undoMutation, { eventId: first.eventId, reason: 'undo the first link' });
    expect(superseded.extensions.code).toBe('CONFLICT');
    expect(superseded.message).toBe(
      `event ${first.eventId} is superseded by a later link (event ${moved.event.id}) on the same identity; undo that first`,
    );

    await ok(undoMutation, { eventId: moved.event.id, reason: 'moved the wrong record' });
    expect(await identitiesOf(first.personId)).toEqual([record]);
    expect(await identitiesOf(target)).toEqual([elsewhere]);

    // With the later change undone, the first link can go too: the record waits for the matcher again.
    const unplaced = (await ok(undoMutation, { eventId: first.eventId, reason: 'start again' })).undoIdentityEvent;
    expect(await index.activeLink(record)).toBeNull();
    expect(await requeued(unplaced.event.id)).toEqual([record]);
  });

  it('refuses blank reasons, unknown ids and bad limits with messages a steward can act on', async () => {
    const source = await addSource(hub);
    const identity = await addIdentity(hub, source, { given: 'Rui', family: 'Costa' });
    const placed = await place(identity);
    const unknown = randomUUID();

    const blank = await refused(unlinkMutation, { sourceIdentityId: identity, reason: '   ' });
    expect(blank).toMatchObject({ message: 'reason must not be blank', extensions: { code: 'BAD_USER_INPUT' } });
    const long = await refused(mergeMutation, { survivorId: placed.personId, mergedId: unknown, reason: 'x'.repeat(501) });
    expect(long).toMatchObject({ message: 'reason must be at most 500 characters', extensions: { code: 'BAD_USER_INPUT' } });
    expect(await identitiesOf(placed.personId)).toEqual([identity]);

    expect(await refused(personQuery, { id: unknown })).toMatchObject({
      message: `no person with id ${unknown}`,
      extensions: { code: 'NOT_FOUND' },
    });
    expect((await refused(personQuery, { id: 'not-an-id' })).extensions.code).toBe('NOT_FOUND');
    expect(await refused(linkMutation, { sourceIdentityId: identity, personId: unknown, reason: 'by hand' })).toMatchObject({
      message: `no person with id ${unknown}`,
      extensions: { code: 'NOT_FOUND' },
    });
    expect((await refused(unlinkMutation, { sourceIdentityId: unknown, reason: 'why' })).extensions.code).toBe('NOT_FOUND');
    expect((await refused(acceptMutation, { id: unknown })).extensions.code).toBe('NOT_FOUND');
    expect((await refused(undoMutation, { eventId: '999999999999', reason: 'why' })).extensions.code).toBe('NOT_FOUND');
    expect((await refused(unmergeMutation, { mergeEventId: placed.eventId, reason: 'why' })).message).toBe(
      `event ${placed.eventId} is a link, not a merge`,
    );
    expect((await refused(reviewsQuery, { status: 'pending', limit: 101 })).message).toBe('limit must be from 1 to 100');
    expect((await refused(reviewsQuery, { status: 'maybe', limit: 10 })).extensions.code).toBe('BAD_USER_INPUT');
    const sameSource = await refused(`query { personForIdentity(sourceId: "${source}", localId: "nobody") { id } }`, {});
    expect(sameSource.extensions.code).toBe('NOT_FOUND');

    const other = (await place(await addIdentity(hub, source, { given: 'Rui', family: 'Costa' }))).personId;
    const { reviewId } = await index.openReview({
      sourceIdentityId: identity,
      candidatePersonId: other,
      reason: 'probable-match',
      score: 0.7,
      explanation: probableExplanation(0.7),
      dataQualityAlert: false,
    });
    const [opened] = (await ok(historyQuery, { personId: other })).identityHistory as Array<{ id: string; kind: string }>;
    expect(opened!.kind).toBe('review-opened');
    expect(await refused(undoMutation, { eventId: opened!.id, reason: 'why' })).toMatchObject({
      message: `event ${opened!.id} opened a review, which cannot be undone; reject the review instead`,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    await ok(rejectMutation, { id: reviewId });
    const decided = await refused(acceptMutation, { id: reviewId });
    expect(decided).toMatchObject({ message: `match review ${reviewId} is rejected, not pending`, extensions: { code: 'CONFLICT' } });
  });
});
