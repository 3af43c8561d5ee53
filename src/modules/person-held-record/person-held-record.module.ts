import { Module } from '@nestjs/common';

import { MyRecordModule } from './me/my-record.module.js';

/** The resident's own record: what they add, who they share with, who has looked. */
@Module({
  imports: [MyRecordModule],
})
export class PersonHeldRecordModule {}
