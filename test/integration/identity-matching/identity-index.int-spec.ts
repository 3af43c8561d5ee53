import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { IdentityEvents, type IdentityChanged } from '../../../src/modules/identity-matching/index.js';
import { IdentityIndexRepository } from '../../../src/modules/identity-matching/repositories/identity-index.repository.js';
import { eventually } from '../../setup/test-hub.js';
import { fileRedisPrefix } from '../../setup/test-run.js';
import { addIdentity, addSource, nhsNumber, nhsNumberExplanation, probableExplanation, startStewardHub } from './identity-index-setup.js';

// The index as the matcher uses it: links that make persons, relinks, reviews, merges and the
// reads the matcher decides with. Every change is in the history and is announced to every hub
// process listening on the same Redis.

describe('the master person index store', () => {
  let hub: RunningHub;
  let listener: RunningHub;
  let index: IdentityIndexRepository;
  const heard: IdentityChanged[] = [];
  let stopListening: () => void;

  beforeAll(async () => {
    const prefix = fileRedisPrefix();
    [hub, listener] = await Promise.all([startStewardHub(prefix), startStewardHub(prefix)]);
    index = hub.app.get(IdentityIndexRepository);
    // Another hub process hears what this one changes: that is what record aggregation relies on.
    stopListening = await listener.app.get(IdentityEvents).subscribe((change) => {
      heard.push(change);
    });
  });
  afterAll(async () => {
    stopListening?.();
    await Promise.all([hub?.stop(), listener?.stop()]);
  });

  const query = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => hub.app.get(DataSource).query(sql, parameters);
  const announced = (eventId: string) =>
    eventually(async () => heard.find((change) => change.eventId === eventId), 5_000, `identity-changed for event ${eventId}`);
  const events = (sourceIdentityId: string) =>
    query<{ id: string; kind: string; person_id: string; other_person_id: string | null; actor: string; detail: Record<string, unknown> }>(
      `SELECT id::text AS id, kind, person_id, other_person_id, actor, detail FROM identity_event WHERE source_identity_id = $1 ORDER BY id`,
      [sourceIdentityId],
    );

  it('links a new identity to a new person, records it and tells the other hub', async () => {
    const source = await addSource(hub);
    const identity = await addIdentity(hub, source, { nhsNumber: nhsNumber(), given: 'Amara', family: 'Okafor', birthDate: '1984-03-02' });

    const linked = await index.linkIdentity({
      sourceIdentityId: identity,
      method: 'nhs-number',
      score: 1,
      explanation: nhsNumberExplanation(),
      actor: 'matcher',
    });

    expect(await index.activeLink(identity)).toEqual({ personId: linked.personId, method: 'nhs-number', score: 1, linkId: linked.linkId });
    const [person] = await query<{ state: string }>(`SELECT state FROM person WHERE id = $1`, [linked.personId]);
    expect(person).toEqual({ state: 'active' });
    expect(await events(identity)).toEqual([
      expect.objectContaining({ id: linked.eventId, kind: 'link', person_id: linked.personId, other_person_id: null, actor: 'matcher' }),
    ]);
    expect(await announced(linked.eventId)).toEqual({ eventId: linked.eventId, kind: 'link', personIds: [linked.personId] });
  });

  it('treats the same link again as a new score, not a new link', async () => {
    const source = await addSource(hub);
    const identity = await addIdentity(hub, source, { given: 'Tomasz', family: 'Nowak', birthDate: '1990-07-11', postcode: 'LS6 2AB' });
    const first = await index.linkIdentity({
      sourceIdentityId: identity,
      method: 'probabilistic',
      score: 0.96,
      explanation: probableExplanation(0.96),
      actor: 'matcher',
    });

    const again = await index.linkIdentity({
      sourceIdentityId: identity,
      personId: first.personId,
      method: 'probabilistic',
      score: 0.99,
      explanation: probableExplanation(0.99),
      actor: 'matcher',
    });

    expect(again).toEqual(first);
    expect(await index.activeLink(identity)).toMatchObject({ linkId: first.linkId, score: 0.99 });
    expect((await events(identity)).map((event) => event.kind)).toEqual(['link']);
    const [count] = await query<{ links: number }>(`SELECT count(*)::int AS links FROM identity_link WHERE source_identity_id = $1`, [
      identity,
    ]);
    expect(count).toEqual({ links: 1 });
  });

  it('moves an identity to another person by ending its link first, in the history as unlink then link', async () => {
    const source = await addSource(hub);
    const moving = await addIdentity(hub, source, { given: 'Jo', family: 'Bell', birthDate: '1971-01-30' });
    const other = await addIdentity(hub, source, { given: 'Joanne', family: 'Bell', birthDate: '1971-01-30' });
    const before = await index.linkIdentity({
      sourceIdentityId: moving,
      method: 'probabilistic',
      score: 0.9,
      explanation: probableExplanation(0.9),
      actor: 'matcher',
    });
    const target = await index.linkIdentity({
      sourceIdentityId: other,
      method: 'probabilistic',
      score: 0.9,
      explanation: probableExplanation(0.9),
      actor: 'matcher',
    });

    const moved = await index.linkIdentity({
      sourceIdentityId: moving,
      personId: target.personId,
      method: 'probabilistic',
      score: 0.95,
      explanation: probableExplanation(0.95),
      actor: 'matcher',
    });

    expect(moved.personId).toBe(target.personId);
    const history = await events(moving);
    expect(history.map((event) => event.kind)).toEqual(['link', 'unlink', 'link']);
    expect(history[1]).toMatchObject({
      person_id: before.personId,
      other_person_id: target.personId,
      detail: { partOf: moved.eventId, link: { linkId: before.linkId, personId: before.personId, method: 'probabilistic', score: 0.9 } },
    });
    expect(history[2]).toMatchObject({ id: moved.eventId, person_id: target.personId, other_person_id: before.personId });
    const [oldLink] = await query<{ state: string; ended_by_event: string }>(
      `SELECT state, ended_by_event::text AS ended_by_event FROM identity_link WHERE id = $1`,
      [before.linkId],
    );
    expect(oldLink).toEqual({ state: 'ended', ended_by_event: history[1]!.id });
    expect((await announced(moved.eventId)).personIds.sort()).toEqual([before.personId, target.personId].sort());
  });

  it('links to the survivor when given a person that was merged', async () => {
    const source = await addSource(hub);
    const [a, b, c] = await Promise.all(
      ['Ola', 'Ola', 'Ola'].map((given) => addIdentity(hub, source, { given, family: 'Adeyemi', birthDate: '2001-05-05' })),
    );
    const survivor = await index.linkIdentity({
      sourceIdentityId: a!,
      method: 'probabilistic',
      score: 0.9,
      explanation: probableExplanation(),
      actor: 'matcher',
    });
    const merged = await index.linkIdentity({
      sourceIdentityId: b!,
      method: 'probabilistic',
      score: 0.9,
      explanation: probableExplanation(),
      actor: 'matcher',
    });
    await index.mergePersons({ survivorId: survivor.personId, mergedId: merged.personId, actor: 'matcher', reason: 'cluster joined' });

    const linked = await index.linkIdentity({
      sourceIdentityId: c!,
      personId: merged.personId,
      method: 'probabilistic',
      score: 0.93,
      explanation: probableExplanation(),
      actor: 'matcher',
    });

    expect(linked.personId).toBe(survivor.personId);
    expect(await index.survivorOf(merged.personId)).toBe(survivor.personId);
  });

  it('opens one pending review per identity and candidate, refreshing it when asked again', async () => {
    const source = await addSource(hub);
    const candidateIdentity = await addIdentity(hub, source, { given: 'Priya', family: 'Shah', birthDate: '1966-09-14' });
    const identity = await addIdentity(hub, source, { given: 'Pria', family: 'Shah', postcode: 'B12 9QT' });
    const candidate = await index.linkIdentity({
      sourceIdentityId: candidateIdentity,
      method: 'probabilistic',
      score: 0.9,
      explanation: probableExplanation(),
      actor: 'matcher',
    });

    const opened = await index.openReview({
      sourceIdentityId: identity,
      candidatePersonId: candidate.personId,
      reason: 'probable-match',
      score: 0.71,
      explanation: probableExplanation(0.71),
      dataQualityAlert: false,
    });
    const again = await index.openReview({
      sourceIdentityId: identity,
      candidatePersonId: candidate.personId,
      reason: 'probable-match',
      score: 0.74,
      explanation: probableExplanation(0.74),
      dataQualityAlert: false,
    });

    expect(opened.created).toBe(true);
    expect(again).toEqual({ reviewId: opened.reviewId, created: false });
    const reviews = await query<{ id: string; score: number; status: string }>(
      `SELECT id, score, status FROM match_review WHERE source_identity_id = $1`,
      [identity],
    );
    expect(reviews).toEqual([{ id: opened.reviewId, score: 0.74, status: 'pending' }]);
    expect((await events(identity)).map((event) => event.kind)).toEqual(['review-opened']);
  });

  it('answers the matcher: NHS numbers per person (traced ones too) and persons a steward ruled out', async () => {
    const source = await addSource(hub);
    const number = nhsNumber();
    const traced = nhsNumber();
    const withNumber = await addIdentity(hub, source, { nhsNumber: number, given: 'Sam', family: 'Reed' });
    const socialCare = await addIdentity(hub, source, { given: 'Sam', family: 'Reed', birthDate: '1950-02-02' });
    const first = await index.linkIdentity({
      sourceIdentityId: withNumber,
      method: 'nhs-number',
      score: 1,
      explanation: nhsNumberExplanation(),
      actor: 'matcher',
    });
    const second = await index.linkIdentity({
      sourceIdentityId: socialCare,
      method: 'probabilistic',
      score: 0.6,
      explanation: probableExplanation(0.6),
      actor: 'matcher',
    });
    const trace = await index.recordTrace({ sourceIdentityId: socialCare, status: 'confident', nhsNumber: traced });

    const numbers = await index.personNhsNumbers([first.personId, second.personId]);
    expect(numbers).toEqual(
      new Map([
        [first.personId, [number]],
        [second.personId, [traced]],
      ]),
    );
    expect(await announced(trace.eventId)).toEqual({ eventId: trace.eventId, kind: 'nhs-number-traced', personIds: [second.personId] });

    const review = await index.openReview({
      sourceIdentityId: socialCare,
      candidatePersonId: first.personId,
      reason: 'probable-match',
      score: 0.6,
      explanation: probableExplanation(0.6),
      dataQualityAlert: false,
    });
    expect(await index.rejectedPersons(socialCare)).toEqual([]);
    await index.rejectReview({ reviewId: review.reviewId, actor: 'a steward' });
    expect(await index.rejectedPersons(socialCare)).toEqual([first.personId]);
  });

  it('keeps and returns the latest trained model', async () => {
    const version = await index.saveModel({ m: { given: [0.9, 0.1] } }, { pairs: 1200, iterations: 14 });
    const latest = await index.latestModel<{ m: { given: number[] } }, { pairs: number }>();
    expect(latest).toMatchObject({ version, parameters: { m: { given: [0.9, 0.1] } }, summary: { pairs: 1200, iterations: 14 } });
    expect(latest!.trainedAt).toBeInstanceOf(Date);
  });

  it('serialises concurrent links of one identity: it ends up with exactly one active link', async () => {
    const source = await addSource(hub);
    const identity = await addIdentity(hub, source, { given: 'Nia', family: 'Evans', birthDate: '1999-12-12' });
    const persons = await Promise.all(
      [0, 1, 2].map(async () => {
        const anchor = await addIdentity(hub, source, { given: 'Nia', family: 'Evans' });
        return (
          await index.linkIdentity({
            sourceIdentityId: anchor,
            method: 'probabilistic',
            score: 0.8,
            explanation: probableExplanation(),
            actor: 'matcher',
          })
        ).personId;
      }),
    );

    await Promise.all(
      persons.map((personId) =>
        index.linkIdentity({
          sourceIdentityId: identity,
          personId,
          method: 'probabilistic',
          score: 0.8,
          explanation: probableExplanation(),
          actor: 'matcher',
        }),
      ),
    );

    const active = await query(`SELECT id FROM identity_link WHERE source_identity_id = $1 AND state = 'active'`, [identity]);
    expect(active).toHaveLength(1);
    expect((await events(identity)).map((event) => event.kind)).toEqual(['link', 'unlink', 'link', 'unlink', 'link']);
  });
});
