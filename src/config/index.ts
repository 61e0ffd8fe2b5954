/** Public face of the configuration layer. */
export { CONFIG_FILES, DEFAULT_CONFIG_DIR, schemaFileName, type ConfigFileKind } from './files';
export { LXC_FEATURES, VM_FEATURES, type LxcFeature, type VmFeature } from './features';
export { ENV, type Env } from './env';
export { ConfigError, formatIssue, type ConfigIssue } from './issues';
export { loadConfig, configDirFrom } from './load';
export { parseConfigFile, parseConfigSources, FILE_SCHEMAS, type ConfigSources, type LoadedConfig } from './parse';
export { cloneParentId, isTemplate, PRE_CONFIGURED, reconfigureSnapshotName, type Guest, type GuestKind, type LxcGuest, type PhoenixConfig, type SharedMount, type VmGuest } from './model';
export { findGuest, resolveGuest, UnknownGuestError } from './guest';
export { ancestors, buildLevels, closure, findCycles, guestGraph, GraphError, type GuestGraph } from './graph';
export { resolveConnection, type PveApiConnection, type PveConnection, type SshConnection } from './connection';
export { parseOstemplate, ostemplateFileName, type OstemplateRef } from './ostemplate';
export { planGuest, planTargets, LXC_STEPS, VM_STEPS, type GuestPlan, type PlannedStep, type TargetPlan } from './plan';
export { IGNORED_KEYS } from './compat';
export { didYouMean } from './suggest';
export type { LxcEntry, LxcFile } from './schema/lxc';
export type { VmEntry, VmFile } from './schema/vm';
export type { HypervisorFile, SharedVolume } from './schema/hypervisor';
export type { ProxmoxBlock } from './schema/proxmox';
