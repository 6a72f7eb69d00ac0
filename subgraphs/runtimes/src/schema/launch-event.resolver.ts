import { Arg, Args, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import { PageArgs, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { RuntimeInstance } from '../instances/runtime-instance.entity.js';
import type { RuntimesContext } from './context.js';
import { LaunchEvent, LaunchEventConnection, RuntimeInstanceChange } from './launch-event.type.js';

type SubscribeData<Args> = { args: Args; context: RuntimesContext };

@Resolver(() => LaunchEvent)
export class LaunchEventResolver {
  @Subscription(() => LaunchEvent, {
    description:
      "The events of the instance's latest operation after `after` (all of them without it), then live; completes after the operation's terminal phase (READY, STOPPED, DELETED or FAILED). Another tenant's instance is NOT_FOUND.",
    subscribe: ({ args, context }: SubscribeData<{ instanceId: string; after?: string | null }>) =>
      context.launchEvents.followLaunch(context.viewer, args.instanceId, args.after),
  })
  runtimeLaunchProgress(
    @Root() event: ResolverRoot<LaunchEvent>,
    @Arg('instanceId', () => ID) _instanceId: string,
    @Arg('after', () => String, { nullable: true, description: 'The cursor of the last event received.' }) _after?: string,
  ): ResolverRoot<LaunchEvent> {
    return event;
  }

  @FieldResolver(() => RuntimeInstance, { description: 'The instance as it is now.' })
  instance(@Root() event: ResolverRoot<LaunchEvent>, @Ctx() { launchEvents }: RuntimesContext) {
    return launchEvents.instanceNow(event.instanceId);
  }
}

@Resolver(() => RuntimeInstanceChange)
export class RuntimeInstanceChangeResolver {
  @Subscription(() => RuntimeInstanceChange, {
    description: "Changes to the viewer's tenant's instances after `after` (from now on without it), then live; never completes.",
    subscribe: ({ args, context }: SubscribeData<{ after?: string | null }>) => context.launchEvents.followInstanceChanges(context.viewer, args.after),
  })
  runtimeInstanceChanged(
    @Root() change: ResolverRoot<RuntimeInstanceChange>,
    @Arg('after', () => String, { nullable: true, description: 'The cursor of the last change received.' }) _after?: string,
  ): ResolverRoot<RuntimeInstanceChange> {
    return change;
  }

  @FieldResolver(() => RuntimeInstance, { description: 'The instance as it is now.' })
  instance(@Root() change: ResolverRoot<RuntimeInstanceChange>, @Ctx() { launchEvents }: RuntimesContext) {
    return launchEvents.instanceNow(change.instanceId);
  }
}

@Resolver(() => RuntimeInstance)
export class RuntimeInstanceLaunchEventsResolver {
  @FieldResolver(() => LaunchEventConnection, { description: 'The events of its latest operation, oldest first.' })
  launchEvents(@Root() instance: ResolverRoot<RuntimeInstance>, @Args() page: PageArgs, @Ctx() { launchEvents }: RuntimesContext) {
    const { first } = readPageArgs({ first: page.first });
    return launchEvents.listLaunchEvents(instance, { first, after: page.after ?? undefined });
  }
}
