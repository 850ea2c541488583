/**
 * Sandbox fleet: real test servers on this machine (network + mount namespaces, real
 * OpenSSH sshd, real PostgreSQL 15, odoo/docker stand-ins on PATH). Used by the tests,
 * the demo and the benchmarks. See CONTRIBUTING.md, "How the sandbox works".
 */
export { sandboxUp, sandboxDown, sandboxFault, readSandbox, sandboxExec, sandboxStatus, upSandbox, FAULTS, type Fault } from './lifecycle.ts';
export type { SandboxInfo, SandboxServer } from './state.ts';
