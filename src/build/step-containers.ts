// What the builder needs to run a step: containers made, started, waited for and removed, and
// their root filesystems. The engine's container service implements it and is handed to the
// builder, so that the builder never imports the engine above it.
import type { AttachSession } from '../runtime/types.ts';
import type { ContainerConfig } from '../images/types.ts';

export interface StepContainers {
  create(req: { name?: string; config: ContainerConfig & { HostConfig?: Record<string, unknown> } }): Promise<{ Id: string; Warnings: string[] }>;
  attach(ref: string): Promise<AttachSession>;
  start(ref: string): Promise<void>;
  wait(ref: string, condition: 'not-running'): Promise<{ StatusCode: number }>;
  remove(ref: string, opts: { force?: boolean }): Promise<void>;
  rootfs(ref: string): Promise<string>;
  /** one rootfs() user is done with it */
  releaseRootfs(id: string): Promise<void>;
  /** a cancelled build stops its step */
  kill(ref: string, signal?: string): Promise<void>;
}
