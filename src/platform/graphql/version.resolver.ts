import { Query, Resolver } from '@nestjs/graphql';
import { AppConfig } from '../config/index.js';

// Any authenticated principal (the global AuthenticationGuard); no role needed.
@Resolver()
export class VersionResolver {
  constructor(private readonly config: AppConfig) {}

  @Query(() => String, { description: 'The version of the Tessera hub answering.' })
  version(): string {
    return this.config.version;
  }
}
