import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The addons subgraph's AddonVersion, as far as the runtimes subgraph contributes to it. */
@ObjectType('AddonVersion')
@Directive('@key(fields: "id")')
export class AddonVersionReference {
  @Field(() => ID)
  id!: string;
}

export function resolveAddonVersionReference(reference: { id: string }): AddonVersionReference {
  return { id: reference.id };
}
