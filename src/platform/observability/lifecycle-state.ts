import { Injectable } from '@nestjs/common';

/** Whether the process is draining for shutdown: readiness turns false so traffic moves away. */
@Injectable()
export class LifecycleState {
  private draining = false;

  beginShutdown(): void {
    this.draining = true;
  }

  get shuttingDown(): boolean {
    return this.draining;
  }
}
