import { Module } from '@nestjs/common';

/** Assembles a person's record from every linked source, in parallel, under one deadline. */
@Module({})
export class RecordAggregationModule {}
