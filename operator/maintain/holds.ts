/**
 * What an OS update must not upgrade. Odoo's packages (security.heldPackages) are held for
 * good: the Odoo series never changes through maintenance. Docker's are held for the update
 * only: upgrading the engine, containerd or the compose plugin restarts the engine, which
 * stops both instances in the middle of the update; their hold state is put back after.
 * Every name any Docker packaging uses (Docker's own repository, Debian/Ubuntu's docker.io);
 * the ones not installed are skipped.
 */
export const DOCKER_PACKAGES: readonly string[] = [
  'docker-ce',
  'docker-ce-cli',
  'docker-ce-rootless-extras',
  'docker-buildx-plugin',
  'docker-compose-plugin',
  'containerd.io',
  'docker.io',
  'containerd',
  'docker-compose',
  'docker-compose-v2',
];
