import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from '../../dev/chromium.js';

export { CHROMIUM_PATH, launchChromium } from '../../dev/chromium.js';

/**
 * `describe` when Chromium is installed. Without it the block is skipped loudly on a developer's machine and FAILS under
 * CI=true (.ci/run installs Chromium, so a missing one there is a broken set-up, never a silent skip).
 */
export function describeInChromium(what: string, name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    test(`Chromium is installed for ${what}`, () => {
      throw new Error(`${CHROMIUM_PATH} is missing: ${what} cannot run (install it with: apt-get install -y chromium)`);
    });
    return;
  }
  console.warn(`\n\n!!! SKIPPING ${what}: ${CHROMIUM_PATH} is missing (apt-get install -y chromium). Under CI=true this FAILS. !!!\n\n`);
  describe.skip(name, body);
}
