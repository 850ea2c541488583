/**
 * The security baseline of a client server: sshd drop-in, fail2ban jail, nftables table,
 * unattended-upgrades configuration, each checked on the server by its own program before
 * it is activated.
 */
import type { ClientSpec } from '../desired/types.ts';
import { rendering } from './digest.ts';
import { FAIL2BAN_VALIDATE, fail2banJail } from './fail2ban.ts';
import { nftablesRuleset, nftablesValidate } from './nftables.ts';
import { SSHD_VALIDATE, sshdDropIn } from './sshd.ts';
import type { Rendering } from './types.ts';
import { APT_VALIDATE, unattendedUpgradesFiles } from './unattended-upgrades.ts';

export function renderBaseline(client: ClientSpec): Rendering {
  const nft = nftablesRuleset(client);
  return rendering(
    `baseline ${client.name}`,
    [sshdDropIn(client), fail2banJail(client), nft, ...unattendedUpgradesFiles(client)],
    [SSHD_VALIDATE, nftablesValidate(nft.path), FAIL2BAN_VALIDATE, APT_VALIDATE],
  );
}
