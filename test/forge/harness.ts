/**
 * Runs one test body against both forges: a fake GitLab and a fake GitHub (test/forge/fake/),
 * each with odoops' real Forge implementation created from a secret reference, exactly as the
 * operator creates it. Waits between retries are recorded instead of slept.
 */
import { test } from 'uvu';
import { createForge, type CreateForgeOptions } from '../../operator/forge/index.ts';
import { CONTINUED_FOOTER } from '../../operator/forge/split.ts';
import type { Forge, ForgePlatform } from '../../operator/forge/types.ts';
import { startFakeForge, type FakeForge, type FakeForgeOptions } from './fake/index.ts';

export const PLATFORMS: readonly ForgePlatform[] = ['gitlab', 'github'];

export interface Setup {
  platform: ForgePlatform;
  fake: FakeForge;
  forge: Forge;
  /** Waits the retry policy asked for, in order. */
  waits: number[];
}

export async function setup(platform: ForgePlatform, opts: { fake?: Partial<FakeForgeOptions>; forge?: CreateForgeOptions } = {}): Promise<Setup> {
  const fake = await startFakeForge({ platform, ...opts.fake });
  const waits: number[] = [];
  const forge = createForge(
    { kind: platform, url: fake.url, project: fake.project, token: 'env:ODOOPS_FORGE_TOKEN' },
    {
      secrets: { env: { ODOOPS_FORGE_TOKEN: fake.botToken } },
      timeoutMs: 10_000,
      ...opts.forge,
      retry: {
        sleep: async (ms) => {
          waits.push(ms);
        },
        ...opts.forge?.retry,
      },
    },
  );
  return { platform, fake, forge, waits };
}

/** Registers `name` twice, "gitlab: name" and "github: name", each with a fresh fake. */
export function scenario(name: string, body: (s: Setup) => Promise<void>, opts: { fake?: Partial<FakeForgeOptions>; forge?: CreateForgeOptions } = {}): void {
  for (const platform of PLATFORMS) {
    test(`${platform}: ${name}`, async () => {
      const s = await setup(platform, opts);
      try {
        await body(s);
      } finally {
        await s.fake.close();
      }
    });
  }
}

/** The text of comment parts with marker, continuation header and footer removed. */
export function reassemble(parts: string[]): string {
  return parts
    .map((p) =>
      p
        .replace(/^<!-- odoops:comment [^\n]* -->\n/, '')
        .replace(/^_\(continued: part \d+ of \d+\)_\n\n/, '')
        .replace(CONTINUED_FOOTER, ''),
    )
    .join('');
}
