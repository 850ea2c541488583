/**
 * The sandbox network: one Linux bridge per sandbox (slot), 10.213.<slot>.0/24, with the
 * root namespace at .1 and every host's veth plugged into it.
 *
 * What a host can reach, like a fleet on the Internet with its own backup, monitoring and
 * log hosts:
 *   - client servers reach the machine (.1) and the backup, S3, monitoring and log hosts;
 *   - client servers do NOT reach each other at all: their bridge ports are "isolated"
 *     (the kernel forwards nothing between two isolated ports), as servers of different
 *     clients have no business talking to each other;
 *   - backup, S3, monitoring and log hosts reach every host (monitoring must reach each
 *     client's NRPE, and nothing stops a client's firewall from allowing it);
 *   - private services listen on loopback only (PostgreSQL, the instances' HTTP ports), so
 *     even a host that reaches a client sees only its public ports (sshd);
 *   - no host has a default route: nothing leaves the /24, so two sandboxes (two slots)
 *     never see each other.
 */
import { stat } from 'node:fs/promises';
import { run, runOk } from './proc.ts';
import { bridgeName, gatewayAddress, type HostRecord } from './state.ts';

/** Create the sandbox's bridge with the root namespace's address on it (replacing a stale one). */
export async function createBridge(slot: number): Promise<void> {
  const br = bridgeName(slot);
  await run(['ip', 'link', 'del', br]);
  await runOk(['ip', '-batch', '-'], {
    input: [`link add ${br} type bridge`, `addr add ${gatewayAddress(slot)}/24 dev ${br}`, `link set ${br} up`, ''].join('\n'),
    what: `creating bridge ${br}`,
  });
}

export async function deleteBridge(slot: number): Promise<void> {
  await run(['ip', 'link', 'del', bridgeName(slot)]);
}

/**
 * Create the host's network namespace and its veth pair, plugged into the bridge (isolated
 * for client servers); record the namespace inode.
 */
export async function createNetwork(slot: number, rec: HostRecord, opts: { isolated: boolean }): Promise<void> {
  await runOk(['ip', 'netns', 'add', rec.netns], { what: `ip netns add ${rec.netns}` });
  rec.netnsInode = (await stat(`/run/netns/${rec.netns}`)).ino;
  await runOk(['ip', '-batch', '-'], {
    input: [
      `link add ${rec.veth} type veth peer name eth0 netns ${rec.netns}`,
      `link set ${rec.veth} master ${bridgeName(slot)}`,
      ...(opts.isolated ? [`link set ${rec.veth} type bridge_slave isolated on`] : []),
      `link set ${rec.veth} up`,
      '',
    ].join('\n'),
    what: `creating veth ${rec.veth}`,
  });
  await runOk(['ip', '-n', rec.netns, '-batch', '-'], {
    input: [`addr add ${rec.host}/24 dev eth0`, 'link set lo up', 'link set eth0 up', ''].join('\n'),
    what: `configuring ${rec.netns}`,
  });
}

/**
 * After a host's link comes back: forget what the other side learnt while it was down. On
 * the bridge, ARP entries outlive a port going down (unlike a point-to-point link, whose
 * neighbours go with it), and a FAILED entry makes the next connection fail at once with
 * EHOSTUNREACH.
 */
export async function forgetNeighbours(slot: number, rec: HostRecord, others: readonly HostRecord[]): Promise<void> {
  await Promise.all([
    run(['ip', 'neigh', 'flush', 'to', rec.host, 'dev', bridgeName(slot)]),
    run(['ip', '-n', rec.netns, 'neigh', 'flush', 'dev', 'eth0']),
    ...others.filter((o) => o.netns !== rec.netns).map((o) => run(['ip', '-n', o.netns, 'neigh', 'flush', 'to', rec.host])),
  ]);
}

/** Does the link to this host carry traffic? */
export async function linkIsUp(rec: HostRecord): Promise<boolean> {
  const r = await run(['ip', '-o', 'link', 'show', 'dev', rec.veth]);
  return r.code === 0 && /[<,]UP[,>]/.test(r.stdout);
}
