import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import type { RunningHub } from '../../src/bootstrap.js';
import { IdentityIndexRepository } from '../../src/modules/identity-matching/repositories/identity-index.repository.js';
import { type HubProcess, spawnHub } from '../setup/hub-process.js';
import { startTestHub } from '../setup/test-hub.js';
import { bearer, clinicianToken, operatorToken, stewardToken } from '../setup/test-issuer.js';
import { fileRedisPrefix, redisUrl, runDatabaseUrl } from '../setup/test-run.js';
import { addIdentity, addSource, nhsNumber, probableExplanation } from '../integration/identity-matching/identity-index-setup.js';

// "N allowed or denied requests produce exactly N audit events, also when the process is killed
// mid-request (no data left without its audit row)" (issue 6), against the built hub running as
// a process: each request carries its own X-Request-Id, and the audit trail is counted by it.

const personQuery = 'query P($id: ID!) { person(id: $id) { id nhsNumbers } }';

interface Answer {
  requestId: string;
  status: number;
  body: { data?: { person?: { id: string } | null } | null; errors?: Array<{ extensions?: { code?: string } }> };
}

describe('audit rows of steward reads, with the hub as a process', () => {
  /** An in-process hub on the same database, to place persons in the index. */
  let seeder: RunningHub;
  let personIds: string[];

  beforeAll(async () => {
    seeder = await startTestHub({ TESSERA_ROLE: 'api', REDIS_PREFIX: fileRedisPrefix() });
    const sourceId = await addSource(seeder);
    const index = seeder.app.get(IdentityIndexRepository);
    personIds = [];
    for (let n = 0; n < 5; n += 1) {
      const identity = await addIdentity(seeder, sourceId, { nhsNumber: nhsNumber(), given: 'Grace', family: `Hopper${n}` });
      const link = await index.linkIdentity({
        sourceIdentityId: identity,
        method: 'probabilistic',
        score: 0.95,
        explanation: probableExplanation(0.95),
        actor: 'matcher',
      });
      personIds.push(link.personId);
    }
  });
  afterAll(() => seeder?.stop());

  const rowsFor = (prefix: string) =>
    seeder.app
      .get(DataSource)
      .query<Array<{ request_id: string; outcome: string; person_id: string | null }>>(
        `SELECT request_id, outcome, person_id FROM audit_event WHERE request_id LIKE $1 ORDER BY id`,
        [`${prefix}%`],
      );

  function startHub(): HubProcess {
    // Thousands of reads by one steward: the per-principal rate limit would refuse most of them, and that is not what is measured.
    return spawnHub({
      DATABASE_URL: runDatabaseUrl(),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: fileRedisPrefix(),
      TESSERA_ROLE: 'api',
      RATE_LIMIT_POINTS: '0',
    });
  }

  async function read(base: string, requestId: string, token: string | undefined, personId: string): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
    if (token) headers.authorization = bearer(token);
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: personQuery, variables: { id: personId } }),
    });
    return { requestId, status: response.status, body: (await response.json()) as Answer['body'] };
  }

  it('leaves exactly one row per request, N allowed and denied requests giving N rows', async () => {
    const hub = startHub();
    try {
      const base = await hub.listening;
      const prefix = `n-rows-${randomBytes(5).toString('hex')}-`;
      const tokens = { steward: await stewardToken(), operator: await operatorToken(), clinician: await clinicianToken() };
      const kinds = ['steward', 'operator', 'clinician', 'anonymous'] as const;
      const sent = Array.from({ length: 40 }, (_, n) => ({ requestId: `${prefix}${n}`, kind: kinds[n % kinds.length]! }));
      const answers = await Promise.all(
        sent.map(({ requestId, kind }, n) =>
          read(base, requestId, kind === 'anonymous' ? undefined : tokens[kind], personIds[n % personIds.length]!),
        ),
      );
      for (const [n, answer] of answers.entries()) {
        const allowed = sent[n]!.kind === 'steward' || sent[n]!.kind === 'operator';
        if (allowed) expect(answer.body.data?.person?.id).toBe(personIds[n % personIds.length]);
        // Refused: nothing of the person (the clinician is refused a field, the anonymous caller the whole request).
        else expect(answer.body.data?.person ?? null).toBeNull();
      }

      const rows = await rowsFor(prefix);
      expect(rows).toHaveLength(sent.length);
      const outcomeById = new Map(rows.map((row) => [row.request_id, row.outcome]));
      expect(outcomeById.size).toBe(sent.length);
      for (const { requestId, kind } of sent)
        expect(outcomeById.get(requestId)).toBe(kind === 'steward' || kind === 'operator' ? 'allowed' : 'denied');
    } finally {
      hub.child.kill('SIGKILL');
      await hub.exited;
    }
  });

  it('killed with SIGKILL mid-request, leaves a row for every answer that arrived and none for a request never sent', async () => {
    const hub = startHub();
    const prefix = `killed-${randomBytes(5).toString('hex')}-`;
    const sent: string[] = [];
    const answered: Answer[] = [];
    try {
      const base = await hub.listening;
      const token = await stewardToken();
      let killed = false;
      const KILL_AFTER = 15;
      // Enough that the hub cannot have answered them all by the time the kill lands: the client
      // sees the 15th answer late when the hub is fast, so a small batch may be done already.
      const requests = Array.from({ length: 2_000 }, (_, n) => {
        const requestId = `${prefix}${n}`;
        sent.push(requestId);
        return read(base, requestId, token, personIds[n % personIds.length]!).then(
          (answer) => {
            answered.push(answer);
            // Part way: answers are still coming and more requests are in flight.
            if (answered.length === KILL_AFTER && !killed) {
              killed = true;
              hub.child.kill('SIGKILL');
            }
          },
          () => undefined, // the connection died with the process
        );
      });
      await Promise.all(requests);
      expect(await hub.exited).toBeNull();
    } finally {
      if (hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL');
      await hub.exited;
    }

    // The kill came part way: some requests were answered, some never were.
    expect(answered.length).toBeGreaterThanOrEqual(15);
    expect(answered.length).toBeLessThan(sent.length);
    const withData = answered.filter((answer) => answer.body.data?.person);
    expect(withData.length).toBeGreaterThan(0);

    const rows = await rowsFor(prefix);
    const rowIds = rows.map((row) => row.request_id);
    // Every answer that carried a person's data has its row, naming that person.
    for (const answer of withData)
      expect(rows.filter((row) => row.request_id === answer.requestId)).toEqual([
        { request_id: answer.requestId, outcome: 'allowed', person_id: answer.body.data!.person!.id },
      ]);
    // No row for anything not sent, and at most one per request.
    const sentIds = new Set(sent);
    expect(rowIds.every((id) => sentIds.has(id))).toBe(true);
    expect(new Set(rowIds).size).toBe(rowIds.length);
    expect(rows.length).toBeLessThanOrEqual(sent.length);
  });
});
