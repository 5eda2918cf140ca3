/** Page objects of the patient's own screen and of signing in with an account. */
import type { Locator, Page } from 'playwright-core';

export class AccountSignIn {
  constructor(private readonly page: Page) {}
  async signIn(account: string, passcode: string): Promise<void> {
    await this.page.getByLabel('Account', { exact: true }).fill(account);
    await this.page.getByLabel('Passcode', { exact: true }).fill(passcode);
    await this.page.getByRole('button', { name: 'Unlock' }).click();
  }
}

export class ConsentScreen {
  constructor(private readonly page: Page) {}
  heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Your data and who sees it' });
  }
  section(label: RegExp): Locator {
    return this.page.getByRole('region', { name: label });
  }
  async stopSharing(label: RegExp): Promise<void> {
    const section = this.section(label);
    await section.getByRole('button', { name: /^Stop sharing/ }).click();
    await section.getByRole('button', { name: 'Stop sharing and delete' }).click();
  }
  lookedAt(): Locator {
    return this.page.getByRole('table', { name: 'Who has looked at your record' });
  }
}
