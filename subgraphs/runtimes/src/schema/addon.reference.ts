import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The addons subgraph's Addon, as far as the runtimes subgraph contributes to it. */
@ObjectType('Addon')
@Directive('@key(fields: "id")')
export class AddonReference {
  @Field(() => ID)
  id!: string;
}

export function resolveAddonReference(reference: { id: string }): AddonReference {
  return { id: reference.id };
}
