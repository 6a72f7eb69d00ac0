import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields the operation asks for directly under the field at `path` (say `edges`,
 * `node`, `latestVersion`) below the field being resolved, through inline fragments and fragment
 * spreads, every selection of the path together; undefined when it does not ask for the path. Lets a
 * list resolver read in its own statement, and only as far as asked, what a child field would
 * otherwise load in a second one. `@skip` and `@include` are not evaluated: a conditional field
 * counts as asked for.
 */
export function fieldsSelectedAt(info: GraphQLResolveInfo, path: readonly string[]): Set<string> | undefined {
  let found = false;
  const fields = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined, depth: number): void => {
    for (const selection of selectionSet?.selections ?? []) {
      switch (selection.kind) {
        case Kind.FIELD:
          if (depth === path.length) fields.add(selection.name.value);
          else if (selection.name.value === path[depth]) {
            if (depth === path.length - 1) found = true;
            visit(selection.selectionSet, depth + 1);
          }
          break;
        case Kind.INLINE_FRAGMENT:
          visit(selection.selectionSet, depth);
          break;
        case Kind.FRAGMENT_SPREAD:
          visit(info.fragments[selection.name.value]?.selectionSet, depth);
          break;
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, 0);
  return found ? fields : undefined;
}
