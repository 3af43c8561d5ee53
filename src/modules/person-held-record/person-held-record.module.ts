import { Module } from '@nestjs/common';

/** The resident's own record: what they add, who they share with, who has looked. */
@Module({})
export class PersonHeldRecordModule {}
