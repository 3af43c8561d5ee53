import { buildSchema, execute, type GraphQLResolveInfo, parse } from 'graphql';

import { selectsField } from './selected-fields.js';

// What a resolver sees of its own selection, asked through a real execution.
const schema = buildSchema(`
  type Record { conflicts: [String] items: [String] nested: Record }
  type Query { record: Record }
`);

function asks(query: string): boolean {
  let seen: boolean | undefined;
  const rootValue = {
    record: (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
      seen = selectsField(info, 'conflicts');
      return {};
    },
  };
  execute({ schema, document: parse(query), rootValue });
  return seen!;
}

describe('selectsField', () => {
  it('finds a field selected directly, in an inline fragment or in a named fragment', () => {
    expect(asks('{ record { items conflicts } }')).toBe(true);
    expect(asks('{ record { ... on Record { conflicts } } }')).toBe(true);
    expect(asks('query { record { ...Parts } } fragment Parts on Record { items conflicts }')).toBe(true);
  });

  it('does not count a field selected only deeper down, or not at all', () => {
    expect(asks('{ record { items } }')).toBe(false);
    expect(asks('{ record { nested { conflicts } } }')).toBe(false);
  });
});
