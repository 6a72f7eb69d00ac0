import { Field, ObjectType } from 'type-graphql';
import { createConnectionType } from '@addon-platform/platform';
import { RuntimeInstanceStatus } from '../instances/runtime-instance.entity.js';
import { LaunchPhase, RuntimeOperationKind } from '../instances/runtime-operation.entity.js';
import type { InstanceChangeRecord, LaunchEventRecord } from '../launch-events/index.js';

@ObjectType({ description: 'One step of an operation on a runtime instance.' })
export class LaunchEvent implements LaunchEventRecord {
  @Field({ description: "Its sequence among the instance's events; pass it as `after` to resume after it." })
  cursor!: string;

  instanceId!: string;

  operationId!: string;

  @Field(() => RuntimeOperationKind)
  operation!: RuntimeOperationKind;

  @Field(() => LaunchPhase)
  phase!: LaunchPhase;

  @Field({ description: 'What happened, for a person.' })
  message!: string;

  @Field(() => String, { nullable: true, description: 'Why it failed, for a machine (UPPER_SNAKE_CASE); null unless FAILED.' })
  reason!: string | null;

  @Field()
  createdAt!: Date;
}

export const LaunchEventConnection = createConnectionType('LaunchEvent', LaunchEvent);

@ObjectType({ description: "A step in the life of one of the tenant's instances, from the tenant's change feed." })
export class RuntimeInstanceChange implements InstanceChangeRecord {
  @Field({ description: "Its sequence in the tenant's feed; pass it as `after` to resume after it." })
  cursor!: string;

  instanceId!: string;

  @Field(() => RuntimeInstanceStatus, { description: 'The status the instance had from this step on.' })
  status!: RuntimeInstanceStatus;

  @Field(() => RuntimeOperationKind)
  operation!: RuntimeOperationKind;

  @Field(() => LaunchPhase)
  phase!: LaunchPhase;

  @Field()
  createdAt!: Date;
}
