import { type Client, createClient } from 'graphql-ws';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';

import { RecordChangeFeed } from '../../../src/modules/record-aggregation/index.js';
import { Hl7Listener } from '../../../src/modules/source-connectors/hl7/hl7-listener.js';
import { bearer, clinicianToken, residentToken } from '../../setup/test-issuer.js';
import { eventually } from '../../setup/test-hub.js';
import { type RecordWorld, startRecordWorld, type WorldPerson } from '../record-aggregation/record-world.js';
import { MllpTestClient, readAck } from '../source-connectors/mllp-test-client.js';

// Live updates (issue 8): a portal follows a person over GraphQL WebSocket (graphql-ws, the real
// client) and is told when a feed reports a change for them, as far as it may see them. The
// sandbox's hospital admits people over MLLP, as its PAS would.

const RECORD_CHANGED = `subscription RecordChanged($personId: ID!) {
  recordChanged(personId: $personId) { personId kind organisationCode at }
}`;

interface ChangeResult {
  data?: { recordChanged: { personId: string; kind: string; organisationCode: string | null; at: string } } | null;
  errors?: Array<{ message: string; extensions?: { code?: string; reason?: string } }>;
}

/** One subscription's messages as the client got them, and how it ended. */
interface Following {
  results: ChangeResult[];
  /** Resolves when the server completes it or it fails; the value is the failure, if any. */
  ended: Promise<unknown>;
  stop: () => void;
}

interface AuditRow {
  action: string;
  outcome: string;
  outcome_reason: string | null;
  principal_kind: string;
  person_id: string | null;
  sources: string[] | null;
  query_kind: string;
}

describe('recordChanged: live updates of a person’s record over GraphQL WebSocket', () => {
  let world: RecordWorld;
  let dataSource: DataSource;
  let feed: RecordChangeFeed;
  let anne: WorldPerson;
  let ben: WorldPerson;
  const clients: Client[] = [];

  beforeAll(async () => {
    world = await startRecordWorld({
      name: 'record-changed',
      choose: [{ systems: ['gp', 'acute'], count: 2, where: ({ records }) => !records['mental-health'] && !records['social-care'] }],
    });
    [anne, ben] = world.people as [WorldPerson, WorldPerson];
    dataSource = world.hub.app.get(DataSource);
    feed = world.hub.app.get(RecordChangeFeed);
  }, 180_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    // Every subscription of the test has ended on the hub too.
    await eventually(async () => (feed.followerCount === 0 ? true : undefined), 5_000, 'no followers left');
  });
  afterAll(async () => {
    await world?.stop();
  });

  function connect(connectionParams?: Record<string, string>): Client {
    const client = createClient({
      url: `${world.hub.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      ...(connectionParams ? { connectionParams } : {}),
    });
    clients.push(client);
    return client;
  }

  function follow(client: Client, personId: string, query = RECORD_CHANGED): Following {
    const results: ChangeResult[] = [];
    let stop = () => undefined as void;
    const ended = new Promise<unknown>((resolve) => {
      stop = client.subscribe<ChangeResult['data']>(
        { query, variables: { personId } },
        { next: (result) => void results.push(result as ChangeResult), error: resolve, complete: () => resolve(undefined) },
      );
    });
    return { results, ended, stop };
  }

  /** Waits until the hub holds `count` followers: from then on no change is missed. */
  const followers = (count: number) =>
    eventually(async () => (feed.followerCount === count ? true : undefined), 10_000, `${count} followers on the hub`);

  /** The hospital's PAS admits the person (ADT A01), with its own record of them, as the sandbox hospital would. */
  async function admit(person: WorldPerson): Promise<void> {
    const record = person.records.acute!;
    const facility = record.organisationCode;
    const time = '20261123101500';
    const message = [
      `MSH|^~\\&|SANDBOX_PAS|${facility}|TESSERA|TESSERA_HUB|${time}||ADT^A01|RC${Date.now().toString(36)}${person.truthId.slice(0, 4)}|P|2.4`,
      `EVN|A01|${time}`,
      `PID|1||${record.localId}^^^${facility}^MR~${person.nhsNumber}^^^NHS^NH||${record.family}^${record.given}||` +
        `${record.birthDate.replaceAll('-', '')}|${record.sex === 'male' ? 'M' : 'F'}|||^^${record.address.town}^^${record.address.postcode}`,
      `PV1|1|I|WARD1^BED1||||||||||||||||V${Date.now().toString(36)}^^^${facility}^VN`,
    ].join('\r');
    const client = await MllpTestClient.connect(world.hub.app.get(Hl7Listener).port);
    try {
      expect(readAck(await client.send(message)).code).toBe('AA');
    } finally {
      client.close();
    }
  }

  const changesIn = (following: Following) => following.results.map((result) => result.data?.recordChanged);

  const auditRows = (where: string, parameters: unknown[]) =>
    dataSource.query<AuditRow[]>(
      `SELECT action, outcome, outcome_reason, principal_kind, person_id, sources, query_kind FROM audit_event WHERE ${where} ORDER BY id`,
      parameters,
    );

  it('tells a GP clinician following a person of their admission to hospital, and nothing of another person’s', async () => {
    const anneGp = follow(connect({ authorization: bearer(await clinicianToken(anne.practice)) }), anne.personId);
    const benGp = follow(connect({ authorization: bearer(await clinicianToken(ben.practice)) }), ben.personId);
    await followers(2);

    // Ben is admitted first: once his GP has heard, Anne's GP would have heard too if it leaked.
    await admit(ben);
    await eventually(async () => (benGp.results.length ? true : undefined), 20_000, 'Ben’s admission to reach his GP');
    await admit(anne);
    await eventually(async () => (anneGp.results.length ? true : undefined), 20_000, 'Anne’s admission to reach her GP');

    const hospital = anne.records.acute!.organisationCode;
    expect(anneGp.results.every((result) => result.errors === undefined)).toBe(true);
    expect(changesIn(anneGp)).toContainEqual({
      personId: anne.personId,
      kind: 'source-record-changed',
      organisationCode: hospital,
      at: expect.any(String),
    });
    expect(changesIn(anneGp).every((change) => change?.personId === anne.personId)).toBe(true);
    expect(changesIn(benGp).every((change) => change?.personId === ben.personId)).toBe(true);

    // Ids and kinds only: nothing that names the person or says what happened.
    const sent = JSON.stringify([anneGp.results, benGp.results]);
    for (const person of [anne, ben]) {
      const record = person.records.acute!;
      for (const secret of [person.nhsNumber, record.localId, record.family, record.given, record.birthDate])
        expect(sent).not.toContain(secret);
    }
    for (const change of [...changesIn(anneGp), ...changesIn(benGp)])
      expect(Object.keys(change!).sort()).toEqual(['at', 'kind', 'organisationCode', 'personId']);

    // Subscribing was decided and audited as a read of no source.
    const [subscribed] = await auditRows(`query_kind = 'Subscription.recordChanged' AND person_id = $1`, [anne.personId]);
    expect(subscribed).toMatchObject({ action: 'read', outcome: 'allowed', principal_kind: 'professional', sources: [] });

    // Unsubscribing ends it on the hub at once.
    anneGp.stop();
    await followers(1);
  });

  it('refuses a resident following someone else’s record (FORBIDDEN, audited), and lets them follow their own', async () => {
    const client = connect({ authorization: bearer(await residentToken(ben.nhsNumber)) });
    const someoneElse = follow(client, anne.personId);
    await someoneElse.ended;
    expect(someoneElse.results).toHaveLength(1);
    expect(someoneElse.results[0]!.data ?? null).toBeNull();
    expect(someoneElse.results[0]!.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', reason: 'not-own-record' });
    const refused = await auditRows(`query_kind = 'Subscription.recordChanged' AND person_id = $1 AND principal_kind = 'resident'`, [
      anne.personId,
    ]);
    expect(refused).toEqual([
      expect.objectContaining({ action: 'read', outcome: 'denied', outcome_reason: 'not-own-record', principal_kind: 'resident' }),
    ]);

    // The same socket serves their own record.
    follow(client, ben.personId);
    await followers(1);
  });

  it('refuses a subscription without a valid token, and audits the refusal', async () => {
    const [{ last }] = await dataSource.query<[{ last: string }]>(`SELECT coalesce(max(id), 0)::text AS last FROM audit_event`);
    for (const [params, reason] of [
      [undefined, 'missing-token'],
      [{ authorization: 'Bearer not-a-token' }, 'malformed-token'],
    ] as const) {
      const anonymous = follow(connect(params), anne.personId);
      await anonymous.ended;
      expect(anonymous.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', reason } })] }]);
    }
    const after = await dataSource.query<Array<{ outcome: string; outcome_reason: string; principal_kind: string; query_kind: string }>>(
      `SELECT outcome, outcome_reason, principal_kind, query_kind FROM audit_event WHERE id > $1 ORDER BY id`,
      [last],
    );
    expect(after).toEqual([
      {
        outcome: 'denied',
        outcome_reason: 'missing-token',
        principal_kind: 'unauthenticated',
        query_kind: 'RecordChangesResolver.recordChanged',
      },
      {
        outcome: 'denied',
        outcome_reason: 'malformed-token',
        principal_kind: 'unauthenticated',
        query_kind: 'RecordChangesResolver.recordChanged',
      },
    ]);
    expect(feed.followerCount).toBe(0);
  });

  it('serves only subscriptions on the socket: a query is refused there', async () => {
    const client = connect({ authorization: bearer(await clinicianToken(anne.practice)) });
    const query = follow(client, anne.personId, 'query Record($personId: ID!) { record(personId: $personId) { personId } }');
    const failure = (await query.ended) as Array<{ extensions?: { code?: string } }>;
    expect(query.results).toEqual([]);
    expect(failure[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});
