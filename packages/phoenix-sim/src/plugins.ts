import type { SimState } from './state';
import type { GuestAgentRuntime, GuestFilesystems } from './state/runtimes';

/**
 * Seams for the simulator's guest side and SSH endpoint, which live in
 * `src/guest` and `src/ssh`. `startSimulator` starts them after the
 * state exists and closes them before the state.
 */
export interface GuestSide {
  filesystems: GuestFilesystems;
  agent: GuestAgentRuntime;
  close(): Promise<void> | void;
}

export type GuestPlugin = (ctx: { state: SimState; stateDir: string; timeScale: number }) => Promise<GuestSide> | GuestSide;

export interface SshEndpoint {
  port: number;
  user: string;
  /** OpenSSH private key of `user`. */
  privateKey: string;
  privateKeyFile: string;
  /** `SHA256:...` as ssh-keygen prints it. */
  hostKeyFingerprint: string;
  close(): Promise<void> | void;
}

export type SshPlugin = (ctx: { state: SimState; stateDir: string; host: string; port: number; node: string; guest?: GuestSide }) => Promise<SshEndpoint> | SshEndpoint;
