import { randomUUID } from 'node:crypto';
import { runInNewContext } from 'node:vm';

import { Controller, Get, Module } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import request from 'supertest';
import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { TcpProxy } from '../../setup/tcp-proxy.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { bearer, clinicianToken, operatorToken, testIssuer } from '../../setup/test-issuer.js';
import { fileRedisPrefix, redisUrl } from '../../setup/test-run.js';

// GraphQL protection (issue 8): operations too deep, too costly, with too many aliases, or sent
// as a batch are refused before any resolver runs; introspection and the IDE are off in
// production; the IDE is served by the hub itself elsewhere; and each principal has a request
// allowance per window, shared through Redis by every api process.

/** Counts every resolver call, to prove that a refused operation ran none. */
let resolverCalls = 0;

@ObjectType('ProtectionProbe')
class ProbeNode {
  @Field(() => Int)
  depth: number;
}

@Resolver(() => ProbeNode)
class ProbeResolver {
  @Query(() => ProbeNode)
  probe(): ProbeNode {
    resolverCalls++;
    return { depth: 1 };
  }

  @Query(() => Int)
  probeCount(): number {
    return ++resolverCalls;
  }

  @ResolveField(() => ProbeNode)
  child(@Parent() node: ProbeNode): ProbeNode {
    resolverCalls++;
    return { depth: node.depth + 1 };
  }

  @ResolveField(() => [ProbeNode])
  children(@Parent() node: ProbeNode, @Args('first', { type: () => Int }) first: number): ProbeNode[] {
    resolverCalls++;
    return Array.from({ length: first }, () => ({ depth: node.depth + 1 }));
  }
}

/** An HTTP controller of the kind modules add: the rate limit covers controllers as well as GraphQL. */
@Controller('protection-probe')
class ProbeController {
  @Get()
  answer(): { ok: true } {
    return { ok: true };
  }
}

@Module({ providers: [ProbeResolver], controllers: [ProbeController] })
class ProbeModule {}

/** A query `levels` fields deep: probe, then child after child, then depth. */
const nested = (levels: number) => `{ probe { ${'child { '.repeat(levels - 2)}depth${' }'.repeat(levels - 2)} } }`;
const aliased = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, n) => `a${n}: ${field}`).join(' ')} }`;

const ITEM = 'id section display date status resource sources { sourceId name organisationCode kind resourceId asOf freshness }';
const STATUS = 'sourceId name organisationCode kind status reason fetchedAt freshness latencyMs itemCount';
const CONFLICT = 'kind section description itemIds positions { sourceId organisationCode says }';
const SECTION = `{ items { ${ITEM} } sources { ${STATUS} } conflicts { ${CONFLICT} } }`;
/** What a portal asks when it opens a record: every section, the first timeline page and the reconciliation. */
const PORTAL_QUERY = `query OpenRecord($id: ID!) {
  record(personId: $id) {
    personId elapsedMs
    access { basis outcome allowedSections deniedSections { section reason } expiresAt }
    demographicConflicts { ${CONFLICT} }
    allergies ${SECTION} medications ${SECTION} conditions ${SECTION} observations ${SECTION}
    encounters ${SECTION} appointments ${SECTION} carePlans ${SECTION}
  }
  timeline(personId: $id, first: 100) {
    totalCount pageInfo { hasNextPage endCursor } sources { ${STATUS} }
    edges { cursor node { itemId section type date display status sources { sourceId name organisationCode kind asOf freshness } } }
  }
  reconciliation(personId: $id) { personId items { kind agreed item { ${ITEM} } perSource { sourceId organisationCode name status } } }
}`;

function graphqlCall(hub: RunningHub, body: unknown, token?: string, requestId?: string) {
  const call = request(hub.url).post('/graphql').set('content-type', 'application/json');
  if (token) call.set('authorization', bearer(token));
  if (requestId) call.set('x-request-id', requestId);
  return call.send(body as object);
}

const auditRowCount = async (hub: RunningHub, requestId: string) =>
  Number(
    (
      await hub.app.get(DataSource).query<Array<{ count: string }>>('SELECT count(*) FROM audit_event WHERE request_id = $1', [requestId])
    )[0]!.count,
  );

describe('GraphQL limits, refused before execution', () => {
  let hub: RunningHub;
  let token: string;

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api' }, [ProbeModule]);
    token = await clinicianToken();
  });
  afterAll(() => hub?.stop());

  /** Sends the operation and returns the response, checking that no resolver ran for it. */
  async function refused(body: unknown) {
    const before = resolverCalls;
    const response = await graphqlCall(hub, body, token);
    expect(resolverCalls).toBe(before);
    return response;
  }

  it('runs a small probe query (the counter below sees resolvers run)', async () => {
    const before = resolverCalls;
    const response = await graphqlCall(hub, { query: nested(4) }, token).expect(200);
    expect(response.body).toEqual({ data: { probe: { child: { child: { depth: 3 } } } } });
    expect(resolverCalls).toBe(before + 3);
  });

  it('refuses a query 50 levels deep', async () => {
    const response = await refused({ query: nested(50) });
    expect(response.status).toBe(400);
    // Its cost is over the limit too: each refusal is listed.
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({
        message: 'Query depth limit of 12 exceeded, found 50.',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    );
    for (const error of response.body.errors) expect(error.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    // The limit itself lets 12 levels through.
    await graphqlCall(hub, { query: nested(12) }, token).expect(200);
  });

  it('refuses 1,000 aliases of a field', async () => {
    const response = await refused({ query: aliased(1_000, 'probeCount') });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ message: 'Aliases limit of 30 exceeded, found 1000.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    ]);
    expect(response.body.data).toBeUndefined();
  });

  it('refuses 1,000 aliases of a record read, which would each be audited: not one audit row is written', async () => {
    const personId = randomUUID();
    // Sent alone, the read runs and is audited (an unknown person is still an attempt on a record).
    const single = `r0: record(personId: "${personId}") { personId }`;
    const control = randomUUID();
    await graphqlCall(hub, { query: `{ ${single} }` }, token, control).expect(200);
    expect(await auditRowCount(hub, control)).toBe(1);

    const requestId = randomUUID();
    const fields = Array.from({ length: 1_000 }, (_, n) => `r${n}: record(personId: "${personId}") { personId }`).join(' ');
    // 1,000 record fields are over the token limit too: parsing stops there.
    const response = await graphqlCall(hub, { query: `{ ${fields} }` }, token, requestId);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^Syntax Error: Document contains more th\w+ 5000 tokens/) }),
    ]);
    expect(response.body.errors[0].extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
    const fewer = Array.from({ length: 100 }, (_, n) => `r${n}: record(personId: "${personId}") { personId }`).join(' ');
    const shorter = randomUUID();
    const byAliases = await graphqlCall(hub, { query: `{ ${fewer} }` }, token, shorter);
    expect(byAliases.status).toBe(400);
    expect(byAliases.body.errors[0].message).toBe('Aliases limit of 30 exceeded, found 100.');
    expect(await auditRowCount(hub, requestId)).toBe(0);
    expect(await auditRowCount(hub, shorter)).toBe(0);
  });

  it('refuses a batch of 100 operations as a whole, running none of them', async () => {
    const batch = Array.from({ length: 100 }, () => ({ query: '{ probeCount }' }));
    const response = await refused(batch);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'Operation batching disabled.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a cost bomb: nested pages multiplying each other, within the depth and alias limits', async () => {
    const response = await refused({ query: '{ probe { children(first: 100) { children(first: 100) { depth } } } }' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: 'Query Cost limit of 50000 exceeded, found 79052.',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    ]);
  });

  it('answers what a portal asks when it opens a record', async () => {
    const requestId = randomUUID();
    const response = await graphqlCall(hub, { query: PORTAL_QUERY, variables: { id: randomUUID() } }, token, requestId);
    expect(response.status).toBe(200);
    // An unknown person: the reads ran (and were audited), refused by the policy, not by a limit.
    for (const error of response.body.errors ?? []) expect(error.extensions.code).not.toMatch(/GRAPHQL_|BAD_REQUEST/);
    expect(await auditRowCount(hub, requestId)).toBeGreaterThan(0);
  });
});

describe('introspection and the GraphQL IDE', () => {
  const INTROSPECTION = '{ __schema { queryType { name } } }';

  describe('in production', () => {
    let hub: RunningHub;
    beforeAll(async () => {
      hub = await startTestHub({ TESSERA_ROLE: 'api', NODE_ENV: 'production' });
    });
    afterAll(() => hub?.stop());

    it('refuses introspection, even to a signed-in caller', async () => {
      const token = await clinicianToken();
      for (const query of [INTROSPECTION, '{ __type(name: "Query") { name } }']) {
        const response = await graphqlCall(hub, { query }, token);
        expect(response.status).toBe(400);
        expect(response.body.errors[0]).toMatchObject({
          message: expect.stringMatching(/introspection is not allowed/),
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        });
      }
      // Nor does a misspelt field suggest the real ones.
      const misspelt = await graphqlCall(hub, { query: '{ versio }' }, token);
      expect(misspelt.status).toBe(400);
      expect(misspelt.body.errors[0].message).not.toMatch(/Did you mean|version/);
      await graphqlCall(hub, { query: '{ version }' }, token).expect(200);
    });

    it('serves no IDE: its page and files are not found, and a browser at /graphql gets no page', async () => {
      for (const path of ['/graphiql', '/graphiql/assets/graphiql.js', '/graphiql/assets/ide.js']) {
        await request(hub.url).get(path).set('accept', 'text/html').expect(404);
      }
      const browser = await request(hub.url).get('/graphql').set('accept', 'text/html');
      expect(browser.status).toBe(400);
      expect(browser.text).not.toMatch(/graphiql|<html/i);
    });
  });

  describe('in development', () => {
    let hub: RunningHub;
    beforeAll(async () => {
      hub = await startTestHub({ TESSERA_ROLE: 'api', NODE_ENV: 'development' });
    });
    afterAll(() => hub?.stop());

    it('answers introspection to a signed-in caller', async () => {
      const response = await graphqlCall(hub, { query: INTROSPECTION }, await clinicianToken()).expect(200);
      expect(response.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    });

    it('serves GraphiQL without a token, every script and stylesheet from the hub itself, under a self-only policy', async () => {
      const page = await request(hub.url).get('/graphiql').expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const policy = page.headers['content-security-policy'] as string;
      expect(policy).toMatch(/(^|; )default-src 'self'(;|$)/);
      expect(policy).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(policy).toMatch(/(^|; )connect-src 'self'(;|$)/);
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
      // No other host: no absolute URL at all, and no inline script to run.
      expect(page.text).not.toMatch(/https?:\/\//);
      expect(page.text).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>/);

      const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!);
      const styles = [...page.text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((match) => match[1]!);
      expect(scripts).toEqual([
        '/graphiql/assets/react.js',
        '/graphiql/assets/react-dom.js',
        '/graphiql/assets/graphiql.js',
        '/graphiql/assets/ide.js',
      ]);
      expect(styles).toEqual(['/graphiql/assets/graphiql.css', '/graphiql/assets/ide.css']);
      const bodies = new Map<string, string>();
      for (const path of [...scripts, ...styles]) {
        const asset = await request(hub.url)
          .get(path)
          .buffer(true)
          .parse((res, done) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => done(null, text));
          });
        expect(asset.status).toBe(200);
        expect(asset.headers['content-type']).toMatch(path.endsWith('.js') ? /^application\/javascript|^text\/javascript/ : /^text\/css/);
        bodies.set(path, asset.body as string);
      }
      // The npm packages' own builds: React's UMD (development: what GraphiQL's bundle needs), GraphiQL's bundle and stylesheet.
      expect(bodies.get('/graphiql/assets/react.js')).toMatch(/^\/\*\*\s*\n\s*\* @license React\s*\n\s*\* react\.development\.js/);
      expect(bodies.get('/graphiql/assets/react-dom.js')).toMatch(/^\/\*\*\s*\n\s*\* @license React\s*\n\s*\* react-dom\.development\.js/);
      expect(bodies.get('/graphiql/assets/graphiql.js')!.length).toBeGreaterThan(1_000_000);
      expect(bodies.get('/graphiql/assets/graphiql.css')).toMatch(/\.graphiql-container/);
      // The page's own script, run against stand-ins for the globals those builds define: GraphiQL
      // on /graphql, a Headers editor for the token, which is not kept in the browser's storage.
      const rendered: { fetcherOptions?: unknown; props?: Record<string, unknown>; into?: unknown } = {};
      const container = { id: 'graphiql' };
      runInNewContext(bodies.get('/graphiql/assets/ide.js')!, {
        GraphiQL: Object.assign(function GraphiQL() {}, {
          createFetcher: (options: unknown) => ((rendered.fetcherOptions = options), 'fetcher'),
        }),
        React: { createElement: (_type: unknown, props: Record<string, unknown>) => props },
        ReactDOM: {
          createRoot: (into: unknown) => ((rendered.into = into), { render: (props: Record<string, unknown>) => (rendered.props = props) }),
        },
        document: { getElementById: (id: string) => (id === 'graphiql' ? container : null) },
      });
      expect(rendered.fetcherOptions).toEqual({ url: '/graphql' });
      expect(rendered.into).toBe(container);
      expect(rendered.props).toMatchObject({ fetcher: 'fetcher', isHeadersEditorEnabled: true, shouldPersistHeaders: false });
      expect(JSON.parse(rendered.props!.defaultHeaders as string)).toEqual({ Authorization: expect.stringMatching(/^Bearer /) });

      await request(hub.url).get('/graphiql/assets/package.json').expect(404);
      await request(hub.url).get('/graphiql/assets/..%2F..%2Fpackage.json').expect(404);
    });

    it('sends a browser opening /graphql to the IDE, and still answers GraphQL over GET there', async () => {
      const browser = await request(hub.url).get('/graphql').set('accept', 'text/html').expect(302);
      expect(browser.headers.location).toBe('/graphiql');
      const viaGet = await request(hub.url)
        .get('/graphql')
        .query({ query: '{ version }' })
        .set('authorization', bearer(await clinicianToken()))
        .set('apollo-require-preflight', 'true')
        .expect(200);
      expect(viaGet.body).toEqual({ data: { version: expect.any(String) } });
    });
  });
});

describe('the per-principal rate limit', () => {
  const POINTS = 3;
  let prefix: string;
  let first: RunningHub;
  let second: RunningHub;

  beforeAll(async () => {
    // Two api processes on one Redis prefix, as a deployment runs them.
    prefix = fileRedisPrefix();
    const settings = { TESSERA_ROLE: 'api', RATE_LIMIT_POINTS: String(POINTS), RATE_LIMIT_WINDOW_S: '60', REDIS_PREFIX: prefix } as const;
    [first, second] = await Promise.all([startTestHub(settings, [ProbeModule]), startTestHub(settings, [ProbeModule])]);
  });
  afterAll(() => Promise.all([first?.stop(), second?.stop()]));

  /** A principal of its own for each test, so that tests do not share an allowance. */
  const freshStaff = () => testIssuer().sign({ kind: 'staff', sub: `rate-${randomUUID()}`, name: 'Rae Rate', roles: ['clinician'] });

  it(`lets a principal make ${POINTS} GraphQL requests a window, however many fields each asks, then answers 429 with Retry-After`, async () => {
    const token = await freshStaff();
    // One request with three root fields counts once.
    await graphqlCall(first, { query: '{ a: version b: version c: probeCount }' }, token).expect(200);
    for (let n = 1; n < POINTS; n++) await graphqlCall(first, { query: '{ version }' }, token).expect(200);

    const before = resolverCalls;
    const refused = await graphqlCall(first, { query: '{ version probeCount }' }, token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The first refused field ends the response (both fields are non-null): no data, and its error.
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^too many requests: try again in \d+ s$/),
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: Number(refused.headers['retry-after']) },
      }),
    ]);
    expect(resolverCalls).toBe(before);
  });

  it('leaves another principal its own allowance', async () => {
    const busy = await freshStaff();
    for (let n = 0; n < POINTS; n++) await graphqlCall(first, { query: '{ version }' }, busy).expect(200);
    await graphqlCall(first, { query: '{ version }' }, busy).expect(429);
    await graphqlCall(first, { query: '{ version }' }, await freshStaff()).expect(200);
    await graphqlCall(first, { query: '{ version }' }, await operatorToken()).expect(200);
  });

  it('counts HTTP controllers too, answering 429 with Retry-After and the same code', async () => {
    const token = await freshStaff();
    for (let n = 0; n < POINTS; n++) await request(first.url).get('/protection-probe').set('authorization', bearer(token)).expect(200);
    const refused = await request(first.url).get('/protection-probe').set('authorization', bearer(token));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body).toEqual({ statusCode: 429, error: 'RATE_LIMITED', message: expect.stringMatching(/^too many requests/) });
  });

  it('shares one count between api processes on the same Redis', async () => {
    const token = await freshStaff();
    await graphqlCall(first, { query: '{ version }' }, token).expect(200);
    await graphqlCall(second, { query: '{ version }' }, token).expect(200);
    await request(first.url).get('/protection-probe').set('authorization', bearer(token)).expect(200);
    await graphqlCall(second, { query: '{ version }' }, token).expect(429);
  });

  it('never limits health and metrics, and refuses a request without a token as unauthenticated, not as too many', async () => {
    for (let n = 0; n < POINTS * 3; n++) {
      await request(first.url).get('/health/live').expect(200);
      await request(first.url).get('/graphql').query({ query: '{ version }' }).set('apollo-require-preflight', 'true').expect(401);
    }
  });

  it('counts each refusal in a metric', async () => {
    const refusals = async () => {
      const metrics = await request(first.url).get('/metrics').expect(200);
      return Number(/^tessera_rate_limited_requests_total (\d+)$/m.exec(metrics.text)?.[1]);
    };
    const token = await freshStaff();
    for (let n = 0; n < POINTS; n++) await graphqlCall(first, { query: '{ version }' }, token).expect(200);
    const before = await refusals();
    await graphqlCall(first, { query: '{ version }' }, token).expect(429);
    await request(first.url).get('/protection-probe').set('authorization', bearer(token)).expect(429);
    expect(await refusals()).toBe(before + 2);
  });
});

describe('the rate limit when Redis cannot count', () => {
  const proxy = new TcpProxy(new URL(redisUrl).hostname, Number(new URL(redisUrl).port || 6379));
  let hub: RunningHub;
  beforeAll(async () => {
    await proxy.start();
    const throughProxy = new URL(redisUrl);
    throughProxy.port = String(proxy.port);
    hub = await startTestHub({ TESSERA_ROLE: 'api', RATE_LIMIT_POINTS: '1', REDIS_URL: throughProxy.toString() });
  });
  afterAll(async () => {
    await hub?.stop();
    await proxy.stop();
  });

  const uncounted = async () => {
    const metrics = await request(hub.url).get('/metrics').expect(200);
    return Number(/^tessera_rate_limit_uncounted_requests_total (\d+)$/m.exec(metrics.text)?.[1]);
  };

  it('lets requests through while Redis is away rather than blocking care, and enforces the limit again once it is back', async () => {
    const token = await clinicianToken();
    await graphqlCall(hub, { query: '{ version }' }, token).expect(200);
    await graphqlCall(hub, { query: '{ version }' }, token).expect(429);

    await proxy.stop();
    const before = await uncounted();
    for (let n = 0; n < 3; n++) await graphqlCall(hub, { query: '{ version }' }, token).expect(200);
    expect(await uncounted()).toBe(before + 3);

    await proxy.start();
    // The count kept in Redis applies again as soon as the connection is back.
    await eventually(async () => ((await graphqlCall(hub, { query: '{ version }' }, token)).status === 429 ? true : undefined), 15_000);
  });
});
