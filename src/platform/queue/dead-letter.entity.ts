import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'dead_letter' })
export class DeadLetterEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  queue: string;

  @Column('text')
  jobName: string;

  @Column('text')
  jobId: string;

  @Column('jsonb')
  payload: Record<string, unknown>;

  @Column('text')
  failureReason: string;

  @Column('integer')
  attemptsMade: number;

  @Column('timestamptz')
  failedAt: Date;

  @Column('timestamptz', { nullable: true })
  redrivenAt: Date | null;

  @Column('text', { nullable: true })
  redriveJobId: string | null;
}
