import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the operation asks, below the field being resolved, for the field at `path` (say `edges`,
 * `node`, `latestVersion`), through inline fragments and fragment spreads too: lets a list resolver
 * read in its own statement what a child field would otherwise load in a second one. `@skip` and
 * `@include` are not evaluated, so a conditional field counts as asked for.
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const visit = (selectionSet: SelectionSetNode | undefined, depth: number): boolean =>
    selectionSet !== undefined &&
    selectionSet.selections.some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return selection.name.value === path[depth] && (depth === path.length - 1 || visit(selection.selectionSet, depth + 1));
        case Kind.INLINE_FRAGMENT:
          return visit(selection.selectionSet, depth);
        case Kind.FRAGMENT_SPREAD:
          return visit(info.fragments[selection.name.value]?.selectionSet, depth);
      }
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet, 0));
}
