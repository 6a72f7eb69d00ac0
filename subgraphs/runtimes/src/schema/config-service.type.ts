import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { RuntimeInstance } from '../instances/runtime-instance.entity.js';

export enum ConfigServiceStateEnum {
  WAITING_FOR_ENVIRONMENT = 'WAITING_FOR_ENVIRONMENT',
  LAUNCHING = 'LAUNCHING',
  SCHEMA_READ = 'SCHEMA_READ',
  FAILED = 'FAILED',
}
registerEnumType(ConfigServiceStateEnum, {
  name: 'ConfigServiceState',
  valuesConfig: {
    WAITING_FOR_ENVIRONMENT: { description: "No environment is the platform's yet; it launches once an operator marks one." },
    LAUNCHING: { description: 'Its instance is being launched; the schema is read once it is READY.' },
    SCHEMA_READ: { description: 'Its GET /config was read and handed to the catalog.' },
    FAILED: { description: 'It did not start, or its answer could not be used; `message` says why.' },
  },
});

@ObjectType({ description: "A version's config service: the platform's instance of its config image, serving its config schema." })
export class ConfigService {
  @Field(() => ConfigServiceStateEnum)
  state!: ConfigServiceStateEnum;

  @Field({ description: 'What is happening, or what went wrong, for a person.' })
  message!: string;

  @Field(() => String, { nullable: true, description: 'A machine reason when FAILED (e.g. IMAGE_PULL_FAILED, CONFIG_UNREADABLE).' })
  reason!: string | null;

  @Field(() => Date, { nullable: true })
  schemaReadAt!: Date | null;

  @Field()
  updatedAt!: Date;

  @Field(() => RuntimeInstance, { nullable: true, description: 'Its instance, with its launch events; operators only.' })
  instance!: RuntimeInstance | null;
}
