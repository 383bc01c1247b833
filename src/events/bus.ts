// The event bus behind `docker events`: the engine and the layers below it publish every state
// change here (each is handed the bus; none imports the engine); it keeps a bounded in-memory
// log for --since/--until and streams to subscribers.
import { EventEmitter } from 'node:events';

export interface EngineEvent {
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'node' | 'service' | 'secret' | 'config';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  // Deprecated fields Docker still sends for container and image events.
  status?: string;
  id?: string;
  from?: string;
}

const KEEP = 1024;

export class EventsService {
  private log: EngineEvent[] = [];
  private lastNs = 0n;
  private bus = new EventEmitter();
  constructor() {
    this.bus.setMaxListeners(0);
  }

  publish(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): void {
    // the wall clock's milliseconds with hrtime's nanoseconds, never before the previous event's time:
    // two events of one millisecond could otherwise come out of order (a stop before its die)
    let nowNs = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (nowNs <= this.lastNs) nowNs = this.lastNs + 1n;
    this.lastNs = nowNs;
    const ev: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
    };
    if (type === 'container' || type === 'image') {
      ev.status = action;
      ev.id = id;
      if (attributes.image) ev.from = attributes.image;
    }
    this.log.push(ev);
    if (this.log.length > KEEP) this.log.splice(0, this.log.length - KEEP);
    this.bus.emit('event', ev);
  }

  /** Past events in [since, until] (unix seconds, fractional allowed). */
  history(since?: number, until?: number): EngineEvent[] {
    return this.log.filter((e) => (since === undefined || e.timeNano >= since * 1e9) && (until === undefined || e.timeNano <= until * 1e9));
  }

  subscribe(cb: (e: EngineEvent) => void): () => void {
    this.bus.on('event', cb);
    return () => this.bus.off('event', cb);
  }
}
