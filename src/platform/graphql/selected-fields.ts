import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * Whether the query selects `field` directly under the resolved field (through inline fragments
 * and named fragments too): for resolvers whose work depends on what was asked for.
 */
export function selectsField(info: GraphQLResolveInfo, field: string): boolean {
  const visited = new Set<string>();
  const search = (selectionSet: SelectionSetNode | undefined): boolean =>
    (selectionSet?.selections ?? []).some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return selection.name.value === field;
        case Kind.INLINE_FRAGMENT:
          return search(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          if (visited.has(name)) return false;
          visited.add(name);
          return search(info.fragments[name]?.selectionSet);
        }
        default:
          return false;
      }
    });
  return info.fieldNodes.some((node) => search(node.selectionSet));
}
