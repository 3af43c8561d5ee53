import { buildSchema, GraphQLError, parse } from 'graphql';

import { formatSocketError, graphqlContext, graphqlWsSubscriptions, MAX_SUBSCRIPTIONS_PER_SOCKET } from './graphql-ws.config.js';

type Options = {
  onSubscribe: (context: unknown, id: string, message: { query: string; operationName?: string | null }) => GraphQLError[] | undefined;
  validate: (schema: ReturnType<typeof buildSchema>, document: ReturnType<typeof parse>) => readonly GraphQLError[];
  onError: (context: unknown, id: string, message: unknown, errors: readonly GraphQLError[]) => unknown[];
};

const limits = { maxDepth: 3, maxAliases: 5, maxCost: 1_000, maxTokens: 1_000, maxDirectives: 5 };
const options = (hideSchemaDetails = false) => graphqlWsSubscriptions({ limits, hideSchemaDetails })['graphql-ws'] as unknown as Options;
const socket = (subscriptions = 1) => ({
  subscriptions: Object.fromEntries(Array.from({ length: subscriptions }, (_, i) => [String(i), null])),
});

describe('GraphQL over WebSocket', () => {
  it('gives a subscription a request whose headers are the connection params, and an id of its own', () => {
    const params = { Authorization: 'Bearer abc', 'x-acting-for': '9434765919', retries: 3 };
    const first = graphqlContext({ connectionParams: params, subscriptions: {} }).req;
    const second = graphqlContext({ connectionParams: params, subscriptions: {} }).req;
    expect(first).toEqual({
      headers: { authorization: 'Bearer abc', 'x-acting-for': '9434765919' },
      id: expect.any(String),
      method: 'WEBSOCKET',
    });
    expect((first as { id: string }).id).not.toBe((second as { id: string }).id);
    // Without params there are no headers: the guard refuses it as a request without a token.
    expect(graphqlContext({ subscriptions: {} }).req).toMatchObject({ headers: {} });
  });

  it('leaves an HTTP request as Apollo gives it', () => {
    const req = { headers: { authorization: 'Bearer abc' } };
    expect(graphqlContext({ req }).req).toBe(req);
  });

  it('serves subscriptions only, refusing queries, mutations and unparsable operations one by one', () => {
    const { onSubscribe } = options();
    expect(onSubscribe(socket(), '1', { query: 'subscription { recordChanged(personId: "x") { kind } }' })).toBeUndefined();
    const [query] = onSubscribe(socket(), '1', { query: '{ version }' })!;
    expect(query!.extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(query!.message).toMatch(/only subscriptions.*POST \/graphql/);
    const [mutation] = onSubscribe(socket(), '1', {
      query: 'subscription S { a } mutation M { b }',
      operationName: 'M',
    })!;
    expect(mutation!.extensions).toEqual({ code: 'BAD_REQUEST' });
    const [syntax] = onSubscribe(socket(), '1', { query: 'subscription {' })!;
    expect(syntax!.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
  });

  it(`refuses a subscription beyond ${MAX_SUBSCRIPTIONS_PER_SOCKET} on one socket`, () => {
    const { onSubscribe } = options();
    const subscription = { query: 'subscription { recordChanged(personId: "x") { kind } }' };
    expect(onSubscribe(socket(MAX_SUBSCRIPTIONS_PER_SOCKET), '1', subscription)).toBeUndefined();
    expect(onSubscribe(socket(MAX_SUBSCRIPTIONS_PER_SOCKET + 1), '1', subscription)![0]!.extensions).toEqual({ code: 'BAD_REQUEST' });
  });

  it('applies the same depth limit as HTTP', () => {
    const schema = buildSchema('type Node { child: Node id: ID } type Query { node: Node } type Subscription { node: Node }');
    const { validate } = options();
    expect(validate(schema, parse('subscription { node { child { id } } }'))).toEqual([]);
    const errors = validate(schema, parse('subscription { node { child { child { child { child { id } } } } } }'));
    expect(errors.map((error) => error.message).join()).toMatch(/depth/i);
  });

  it('sends validation errors with their code, without field suggestions in production', () => {
    const schema = buildSchema('type Query { a: Int } type Subscription { recordChanged: Int }');
    const [error] = options(false).validate(schema, parse('subscription { recordChange }'));
    expect(error!.message).toMatch(/Did you mean "recordChanged"\?/);
    const [shown] = options(true).onError(socket(), '1', {}, [error!]) as Array<{ message: string; extensions: { code: string } }>;
    expect(shown!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(shown!.message).toBe('Cannot query field "recordChange" on type "Subscription".');
  });

  it('keeps a refusal’s code without the HTTP status, and hides anything unexpected', () => {
    const refusal = new GraphQLError('a valid bearer token is required', {
      extensions: { code: 'UNAUTHENTICATED', reason: 'missing-token', http: { status: 401 } },
    });
    expect(formatSocketError(refusal, 'BAD_USER_INPUT', { hideSchemaDetails: false })).toEqual({
      message: 'a valid bearer token is required',
      extensions: { code: 'UNAUTHENTICATED', reason: 'missing-token' },
    });
    const unexpected = new GraphQLError('relation "person" does not exist', {
      originalError: new Error('relation "person" does not exist'),
    });
    expect(formatSocketError(unexpected, 'BAD_USER_INPUT', { hideSchemaDetails: false })).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});
