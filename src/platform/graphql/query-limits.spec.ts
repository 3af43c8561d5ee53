import { buildSchema, parse, specifiedRules, validate } from 'graphql';

import { queryLimitRules } from './query-limits.js';

// The limits as Apollo applies them: graphql-js's own rules plus ours, on a parsed document.
const schema = buildSchema(`
  type Node { name: String child: Node children(first: Int): [Node] }
  type Query { node: Node version: String }
`);
const limits = { maxDepth: 4, maxAliases: 3, maxCost: 200, maxTokens: 60, maxDirectives: 2 };
const { validationRules, parseOptions } = queryLimitRules(limits);

function refusals(query: string): string[] {
  return validate(schema, parse(query, parseOptions), [...specifiedRules, ...validationRules]).map((error) => error.message);
}

const nested = (depth: number) => `{ ${'node { '.repeat(1)}${'child { '.repeat(depth - 2)}name${' }'.repeat(depth - 1)} }`;

describe('queryLimitRules', () => {
  it('passes a query within every limit', () => {
    expect(refusals('{ version a: node { name } b: node { child { name } } }')).toEqual([]);
    expect(refusals(nested(4))).toEqual([]);
  });

  it('refuses a query nested deeper than the limit, naming the limit and the depth found', () => {
    expect(refusals(nested(5))).toEqual(['Query depth limit of 4 exceeded, found 5.']);
  });

  it('counts depth through fragments as if their fields were written inline, and cost nearly so', () => {
    const inline = '{ node { child { child { child { name } } } } }';
    const withFragments = '{ node { ...Deep } } fragment Deep on Node { child { ... on Node { child { child { name } } } } }';
    expect(refusals(withFragments)).toEqual(['Query depth limit of 4 exceeded, found 5.']);
    expect(refusals(withFragments)).toEqual(refusals(inline));

    // Inline, this costs 527 (below); a spread adds only a few points of its own.
    const listed = '{ node { ...Listed } } fragment Listed on Node { children(first: 100) { name } }';
    expect(refusals(listed)).toEqual(['Query Cost limit of 200 exceeded, found 530.']);
    expect(refusals('{ node { ...Small } } fragment Small on Node { children(first: 10) { name } }')).toEqual([]);
  });

  it('refuses more aliases than the limit', () => {
    expect(refusals('{ a: version b: version c: version }')).toEqual([]);
    expect(refusals('{ a: version b: version c: version d: version }')).toEqual(['Aliases limit of 3 exceeded, found 4.']);
  });

  it('refuses more directives than the limit', () => {
    expect(refusals('{ version @skip(if: false) @include(if: true) }')).toEqual([]);
    expect(refusals('{ version @skip(if: false) @include(if: true) node @skip(if: false) { name } }')).toEqual([
      'Directives limit of 2 exceeded, found 3.',
    ]);
  });

  it('refuses a query whose cost is over the limit, a page size multiplying the cost of what it lists', () => {
    // children (2 + 1.5 * 1) x first 10 = 35, under the nesting factor of node: 2 + 1.5 * 35 = 54.5
    expect(refusals('{ node { children(first: 10) { name } } }')).toEqual([]);
    expect(refusals('{ node { children(first: 100) { name } } }')).toEqual(['Query Cost limit of 200 exceeded, found 527.']);
  });

  it('stops parsing a document longer than the token limit', () => {
    expect(() => parse(`{ ${'version '.repeat(57)}}`, parseOptions)).not.toThrow();
    // graphql-js's own wording ("more that").
    expect(() => parse(`{ ${'version '.repeat(60)}}`, parseOptions)).toThrow(
      /^Syntax Error: Document contains more th\w+ 60 tokens\. Parsing aborted\.$/,
    );
  });
});
