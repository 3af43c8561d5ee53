import { Module } from '@nestjs/common';

/** The master person index: persons, source identities, links, matching, review and merges. */
@Module({})
export class IdentityMatchingModule {}
