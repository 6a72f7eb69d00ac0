import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { fieldsSelectedAt } from '../src/connection/selection.js';

const schema = buildSchema(`
  type Query { addons: AddonConnection }
  type AddonConnection { totalCount: Int, edges: [AddonEdge] }
  type AddonEdge { cursor: String, node: Addon }
  type Addon { name: String, latestVersion: Version }
  type Version { version: String }
`);

/** What `fieldsSelectedAt(info, ['edges', 'node', 'latestVersion'])` answers inside the `addons` resolver for `source`, sorted. */
async function latestVersionFields(source: string): Promise<string[] | undefined> {
  let answer: Set<string> | undefined;
  const result = await graphql({
    schema,
    source,
    rootValue: {
      addons: (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
        answer = fieldsSelectedAt(info, ['edges', 'node', 'latestVersion']);
        return { totalCount: 0, edges: [] };
      },
    },
  });
  expect(result.errors).toBeUndefined();
  return answer && [...answer].sort();
}

describe('fieldsSelectedAt', () => {
  it.each([
    { asked: 'a field', source: '{ addons { edges { node { latestVersion { version } } } } }' },
    { asked: 'an aliased field', source: '{ addons { e: edges { n: node { l: latestVersion { v: version } } } } }' },
    { asked: 'an inline fragment', source: '{ addons { edges { node { ... on Addon { latestVersion { version } } } } } }' },
    { asked: 'a named fragment', source: '{ addons { ...Page } } fragment Page on AddonConnection { edges { node { ...Card } } } fragment Card on Addon { latestVersion { ...V } } fragment V on Version { version }' },
    { asked: 'one of two selections of the same field', source: '{ addons { edges { cursor } edges { node { latestVersion { version } } } } }' },
  ])('finds the path and its fields through $asked', async ({ source }) => {
    await expect(latestVersionFields(source)).resolves.toEqual(['version']);
  });

  it('answers the fields of every selection of the path together', async () => {
    const source = '{ addons { edges { node { latestVersion { version } a: latestVersion { __typename } } } edges { node { ... on Addon { latestVersion { version } } } } } }';
    await expect(latestVersionFields(source)).resolves.toEqual(['__typename', 'version']);
  });

  it.each([
    { asked: 'only the parent', source: '{ addons { edges { node { name } } } }' },
    { asked: 'the count alone', source: '{ addons { totalCount } }' },
    { asked: 'the cursors alone', source: '{ addons { edges { cursor } } }' },
  ])('does not find it when the operation asks for $asked', async ({ source }) => {
    await expect(latestVersionFields(source)).resolves.toBeUndefined();
  });
});
