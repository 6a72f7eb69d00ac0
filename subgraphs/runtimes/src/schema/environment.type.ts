import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The tenants allowed in an environment: all, or those listed.' })
export class EnvironmentTenants {
  @Field()
  all!: boolean;

  @Field(() => [String], { description: 'Empty when all is true.' })
  list!: string[];
}
