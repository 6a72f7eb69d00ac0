import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One of a user's repo selectors, in the order an operator gave them. */
@Entity({ tableName: 'user_repo_selector' })
export class UserRepoSelector {
  @PrimaryKey({ fieldName: 'user_sub' })
  userSub!: string;

  @PrimaryKey()
  position!: number;

  @Property()
  key!: string;

  @Property()
  value!: string;
}
