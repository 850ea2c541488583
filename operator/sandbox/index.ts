/**
 * Sandbox fleet: real test servers on this machine (network + mount namespaces, real
 * OpenSSH sshd, real PostgreSQL 15, odoo/docker stand-ins on PATH) and the hosts of their
 * network (backup, S3, monitoring, log). Used by the tests, the demo and the benchmarks.
 * See CONTRIBUTING.md, "The sandbox fleet".
 */
export { sandboxUp, upSandbox, parseClientCount, parseRoleHostCount, type UpOptions, type UpResult } from './lifecycle.ts';
export { sandboxDown, downSandbox } from './teardown.ts';
export { sandboxFault, readSandbox, sandboxExec, sandboxStatus, FAULTS, type Fault, type HostStatus } from './control.ts';
export { assertRoot } from './preflight.ts';
export { APT_REPO_DIR, rootfsCachePath } from './rootfs.ts';
export type { SandboxInfo, SandboxServer, SandboxHost, SandboxS3, HostRole } from './state.ts';
