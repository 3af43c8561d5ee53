import { Field, ID, InputType, Int, ObjectType, PartialType } from '@nestjs/graphql';

// The operator's view of the registry in GraphQL. Kinds, protocols and sections are strings
// checked by the registry's own rules, so every interface refuses the same things the same way.

@InputType('SourceAuthenticationInput')
@ObjectType('SourceAuthentication', {
  description: 'How the hub authenticates to a source; secrets are named environment variables, never values.',
})
export class SourceAuthenticationType {
  @Field({ description: 'none, bearer or client-credentials' })
  type: string;
  @Field({ nullable: true })
  tokenVariable?: string;
  @Field({ nullable: true })
  tokenUrl?: string;
  @Field({ nullable: true })
  clientId?: string;
  @Field({ nullable: true })
  secretVariable?: string;
  @Field({ nullable: true })
  scope?: string;
}

@ObjectType('SourceCapabilities')
export class SourceCapabilitiesType {
  @Field(() => [String], { description: 'Record sections the source holds.' })
  sections: string[];
  @Field()
  demographicSearch: boolean;
  @Field()
  acceptsWrites: boolean;
  @Field({ description: 'none, hl7v2, changes-endpoint or last-updated' })
  changeFeed: string;
}

@ObjectType('SourceConnectionState', { description: "A source's connection as this hub process sees it." })
export class SourceConnectionStateType {
  @Field({ description: 'closed, half-open, open, or not-called when this process has not called the source yet' })
  circuit: string;
  @Field(() => Int)
  consecutiveFailures: number;
  @Field({ nullable: true, description: 'timeout, unreachable, http-error, malformed, …' })
  lastErrorKind?: string;
  @Field({ nullable: true })
  lastErrorAt?: Date;
  @Field({ nullable: true, description: 'When an open circuit lets its next probe through.' })
  probeAfter?: Date;
}

@ObjectType('Source', { description: 'A system the hub reaches for records.' })
export class SourceType {
  @Field(() => ID)
  id: string;
  @Field({ description: 'ODS code of the organisation.' })
  organisationCode: string;
  @Field()
  name: string;
  @Field({ description: 'gp, acute, mental-health, community, social-care, phr or pds' })
  kind: string;
  @Field({ description: 'fhir-r4, gp-connect, social-care-json or pds-fhir' })
  protocol: string;
  @Field()
  baseUrl: string;
  @Field(() => SourceAuthenticationType)
  authentication: SourceAuthenticationType;
  @Field(() => Int)
  timeoutMs: number;
  @Field()
  enabled: boolean;
  @Field(() => SourceCapabilitiesType)
  capabilities: SourceCapabilitiesType;
  @Field()
  updatedAt: Date;
}

@InputType()
export class SourceCapabilitiesInput extends PartialType(SourceCapabilitiesType, InputType) {}

@InputType()
export class AddSourceInput {
  @Field()
  organisationCode: string;
  @Field()
  name: string;
  @Field()
  kind: string;
  @Field()
  protocol: string;
  @Field()
  baseUrl: string;
  @Field(() => SourceAuthenticationType, { nullable: true })
  authentication?: SourceAuthenticationType;
  @Field(() => Int, { nullable: true })
  timeoutMs?: number;
  @Field({ nullable: true })
  enabled?: boolean;
  @Field(() => SourceCapabilitiesInput, { nullable: true })
  capabilities?: SourceCapabilitiesInput;
}

@InputType()
export class ChangeSourceInput extends PartialType(AddSourceInput) {}
