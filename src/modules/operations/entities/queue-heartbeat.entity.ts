import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'queue_heartbeat' })
export class QueueHeartbeatEntity {
  @PrimaryColumn('text')
  queue: string;

  @Column('text')
  jobId: string;

  @Column('timestamptz')
  dueAt: Date;

  @Column('timestamptz')
  processedAt: Date;

  @Column('integer')
  lagMs: number;

  @Column('text')
  processedBy: string;
}
