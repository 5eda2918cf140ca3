/** Page objects of the care team's header links, audit log, accounts and settings screens. */
import type { Locator, Page } from 'playwright-core';

export class HeaderNav {
  constructor(private readonly page: Page) {}
  nav(): Locator {
    return this.page.getByRole('navigation', { name: 'Sections' });
  }
  link(name: 'Patients' | 'Audit log' | 'Accounts' | 'Settings'): Locator {
    return this.nav().getByRole('link', { name, exact: true });
  }
  async open(name: 'Patients' | 'Audit log' | 'Accounts' | 'Settings'): Promise<void> {
    await this.link(name).click();
  }
}

export class AccountsScreen {
  constructor(private readonly page: Page) {}
  heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Accounts' });
  }
  table(): Locator {
    return this.page.getByRole('table', { name: 'Accounts' });
  }
  row(accountId: string): Locator {
    return this.table().locator(`tbody tr[data-account="${accountId}"]`);
  }
  /** Adds an account and returns the id CareTwin gave it (read from the confirmation). */
  async add(role: 'Admin' | 'Clinician' | 'Nurse' | 'Patient', passcode: string, confirm = passcode, patientName?: string): Promise<string> {
    const form = this.page.getByRole('form', { name: 'Add an account' });
    await form.getByLabel('Role').selectOption({ label: role });
    if (patientName !== undefined) await form.getByLabel('Patient', { exact: true }).selectOption({ label: patientName });
    await form.getByLabel('New account passcode', { exact: true }).fill(passcode);
    await form.getByLabel('Confirm new account passcode').fill(confirm);
    await form.getByRole('button', { name: 'Add account' }).click();
    // The confirmation names the new account (a previous one's may still show until this one is added).
    const prefix = role.toLowerCase();
    const done = this.page.getByText(new RegExp(`^Added ${prefix}-[0-9a-f]{8} `));
    await done.waitFor({ timeout: 30_000 });
    return new RegExp(`^Added (${prefix}-[0-9a-f]{8})`).exec(await done.innerText())![1]!;
  }
  addForm(): Locator {
    return this.page.getByRole('form', { name: 'Add an account' });
  }
  async disable(accountId: string): Promise<void> {
    await this.row(accountId).getByRole('button', { name: `Disable ${accountId}` }).click();
  }
  async remove(accountId: string): Promise<void> {
    await this.row(accountId).getByRole('button', { name: `Remove ${accountId}` }).click();
    await this.page.getByRole('group', { name: `Confirm: remove ${accountId}` }).getByRole('button', { name: 'Remove and destroy key slot' }).click();
  }
  confirmation(): Locator {
    return this.page.locator('.notice-done');
  }
}

export class AuditScreen {
  constructor(private readonly page: Page) {}
  heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Audit log' });
  }
  chainResult(): Locator {
    return this.page.locator('[data-result]');
  }
  table(): Locator {
    return this.page.getByRole('table', { name: /^Audit log entries/ });
  }
  rows(): Locator {
    return this.table().locator('tbody tr');
  }
  async filter(opts: { patient?: string; action?: string; account?: string }): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Filter the audit log' });
    if (opts.patient !== undefined) await form.getByLabel('Patient').selectOption({ label: opts.patient });
    if (opts.action !== undefined) await form.getByLabel('Action').selectOption({ label: opts.action });
    if (opts.account !== undefined) await form.getByLabel('Account').fill(opts.account);
    // Enter in the form applies it, as the button does.
    await form.getByLabel('Account').press('Enter');
  }
  async mine(): Promise<void> {
    await this.page.getByRole('button', { name: 'My entries' }).click();
  }
  range(): Locator {
    return this.page.locator('.audit-range');
  }
  async older(): Promise<void> {
    await this.page.getByRole('button', { name: 'Older entries' }).click();
  }
}

export class SettingsScreen {
  constructor(private readonly page: Page) {}
  async setAutoLock(minutes: number): Promise<void> {
    await this.page.getByLabel('Lock after this many minutes without activity').fill(String(minutes));
    await this.page.getByRole('button', { name: 'Save auto-lock' }).click();
  }
  current(): Locator {
    return this.page.getByTestId('auto-lock-current');
  }
}
