// The event bus moved to src/events/bus.ts (lower layers are handed it; they never import the
// engine). This re-export keeps the engine's own imports (networks.ts) working.
export { EventsService, type EngineEvent } from '../events/bus.ts';
