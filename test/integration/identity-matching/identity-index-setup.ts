import { randomBytes, randomInt } from 'node:crypto';

import request from 'supertest';
import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { isValidNhsNumber } from '../../../src/fhir/index.js';
import type { MatchExplanation } from '../../../src/modules/identity-matching/index.js';
import { matchIdentity } from '../../../src/modules/identity-matching/jobs/match-identity.definition.js';
import { SourceIdentityRepository } from '../../../src/modules/identity-matching/repositories/source-identity.repository.js';
import type { SourceDemographics } from '../../../src/modules/identity-matching/source-demographics.js';
import { SourceRegistry } from '../../../src/modules/source-connectors/index.js';
import { QueueName } from '../../../src/platform/queue/index.js';
import { Queues } from '../../../src/platform/queue/queues.js';
import { startTestHub } from '../../setup/test-hub.js';
import { bearer, stewardToken } from '../../setup/test-issuer.js';

// What the identity index tests share: hubs that serve GraphQL but run no workers (so that the
// re-evaluations a change enqueues stay in the queue to be seen), a source to record identities
// under, and a GraphQL client.

/** A hub in the api role (GraphQL, no workers) on this run's database and the given Redis prefix. */
export function startStewardHub(redisPrefix: string): Promise<RunningHub> {
  return startTestHub({ TESSERA_ROLE: 'api', REDIS_PREFIX: redisPrefix });
}

export interface GraphqlAnswer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test checks the fields it asked for
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions: { code: string; reason?: string } }>;
}

/** Runs a query as a signed-in data steward, unless another token is given. */
export async function graphql(
  hub: RunningHub,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphqlAnswer> {
  const response = await request(hub.url)
    .post('/graphql')
    .set('authorization', bearer(token ?? (await stewardToken())))
    .send({ query, variables });
  return response.body as GraphqlAnswer;
}

/** A registered (disabled) source of its own for one test, so tests never share identities. */
export async function addSource(hub: RunningHub, name = 'Riverside Hospital'): Promise<string> {
  const source = await hub.app.get(SourceRegistry).add({
    organisationCode: `T${randomBytes(4).toString('hex').toUpperCase()}`,
    name,
    kind: 'acute',
    protocol: 'fhir-r4',
    baseUrl: 'http://127.0.0.1:9/fhir',
    enabled: false,
  });
  return source.id;
}

/** Records a source's patient as a sync would, and returns the source identity's id. */
export async function addIdentity(hub: RunningHub, sourceId: string, demographics: SourceDemographics, localId?: string): Promise<string> {
  const id = localId ?? `P${randomBytes(5).toString('hex')}`;
  await hub.app.get(SourceIdentityRepository).record(sourceId, [{ localId: id, demographics }]);
  const [row] = await hub.app
    .get(DataSource)
    .query<Array<{ id: string }>>(`SELECT id FROM source_identity WHERE source_id = $1 AND local_id = $2`, [sourceId, id]);
  return row!.id;
}

/** A random NHS number that passes modulus 11. */
export function nhsNumber(): string {
  for (;;) {
    const digits = Array.from({ length: 9 }, () => randomInt(10));
    const sum = digits.reduce((total, digit, index) => total + digit * (10 - index), 0);
    const check = (11 - (sum % 11)) % 11;
    if (check === 10) continue;
    const number = `${digits.join('')}${check}`;
    if (isValidNhsNumber(number)) return number;
  }
}

/** What the matcher stores with a probabilistic link. */
export function probableExplanation(probability = 0.97): MatchExplanation {
  return {
    fields: [
      { field: 'given', level: 'jaro-winkler>=0.92', weight: 4.1 },
      { field: 'family', level: 'exact', weight: 7.5 },
      { field: 'birthDate', level: 'day-month-swap', weight: 3.2 },
      { field: 'postcode', level: 'sector', weight: 2.4 },
    ],
    priorWeight: -12.3,
    totalWeight: 4.9,
    probability,
    modelVersion: '3',
    notes: [],
  };
}

export function nhsNumberExplanation(): MatchExplanation {
  return {
    fields: [{ field: 'nhsNumber', level: 'exact', weight: 20 }],
    priorWeight: -12.3,
    totalWeight: 7.7,
    probability: 1,
    modelVersion: '3',
    notes: ['nhs-number-equal'],
  };
}

/** Re-evaluations waiting in the queue: the source identity ids and job ids of match-identity jobs. */
export async function queuedMatches(hub: RunningHub): Promise<Array<{ jobId: string; sourceIdentityId: string }>> {
  const jobs = await hub.app.get(Queues).get(QueueName.SourceSync).getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs
    .filter((job) => job.name === matchIdentity.name)
    .map((job) => ({ jobId: job.id!, sourceIdentityId: (job.data as { sourceIdentityId: string }).sourceIdentityId }));
}

export const PERSON_FIELDS = `id state mergedInto nhsNumbers
  links { id sourceIdentityId localId method score state createdAt source { id name kind }
          demographics { nhsNumber tracedNhsNumber given family birthDate sex postcode }
          explanation { fields { field level weight } priorWeight totalWeight probability modelVersion notes } }`;

export const CHANGE_FIELDS = `event { id kind personId otherPersonId sourceIdentityId actor reason undoes undoneBy partOf detail } persons { ${PERSON_FIELDS} }`;
