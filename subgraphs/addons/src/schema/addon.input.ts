import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { AddonOrder } from '../addons/addon-filter.js';
import { AddonVersionStatus } from '../versions/addon-version.entity.js';

registerEnumType(AddonOrder, {
  name: 'AddonOrder',
  valuesConfig: {
    NAME: { description: 'By name, A to Z.' },
    UPDATED: { description: 'By updatedAt, the most recently changed first.' },
    RELEVANCE: { description: 'Best match of filter.search first (words in the name weigh most, then tags, then the description), then by name; needs a search.' },
  },
});

@InputType({ description: 'Addons matching every given condition.' })
export class AddonFilterInput {
  @Field(() => String, {
    nullable: true,
    description: 'Words matched as prefixes against name, tags and description, all of them (at most 200 characters; only letters and digits count).',
  })
  search?: string | null;

  @Field(() => ID, { nullable: true })
  repoId?: string | null;

  @Field(() => String, { nullable: true, description: 'Addons carrying this exact tag.' })
  tag?: string | null;

  @Field(() => Boolean, { nullable: true })
  official?: boolean | null;

  @Field(() => String, { nullable: true, description: "The owner's sub: the addon's own owner, else its repo's." })
  owner?: string | null;

  @Field(() => AddonVersionStatus, { nullable: true, description: 'Addons with at least one version in this status that the viewer may see.' })
  status?: AddonVersionStatus | null;
}

@InputType({ description: 'The versions whose images to list; every version the viewer may see when no condition is given.' })
export class ImageListFilterInput {
  @Field(() => ID, { nullable: true })
  repoId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'At most 100.' })
  addonIds?: string[] | null;

  @Field(() => AddonVersionStatus, { nullable: true, description: 'ACTIVE for what tenants can launch.' })
  status?: AddonVersionStatus | null;
}
