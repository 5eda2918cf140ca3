/** Page objects: one per screen, so tests read as what a person does. */
import type { Locator, Page } from 'playwright-core';

export class SetupScreen {
  constructor(private readonly page: Page) {}
  async createStore(passcode: string, confirm = passcode): Promise<void> {
    await this.page.getByLabel('Passcode', { exact: true }).fill(passcode);
    await this.page.getByLabel('Confirm passcode').fill(confirm);
    await this.page.getByRole('button', { name: 'Create store' }).click();
  }
}

export class UnlockScreen {
  constructor(private readonly page: Page) {}
  async unlock(passcode: string): Promise<void> {
    await this.page.getByLabel('Passcode', { exact: true }).fill(passcode);
    await this.page.getByRole('button', { name: 'Unlock' }).click();
  }
  error(): Locator {
    return this.page.getByRole('alert');
  }
}

export class PanelScreen {
  constructor(private readonly page: Page) {}
  table(): Locator {
    return this.page.getByRole('table', { name: /Patient panel/ });
  }
  /** Body rows only (the header row holds column headers). */
  rows(): Locator {
    return this.table().locator('tbody tr');
  }
  async openPatient(name: string): Promise<void> {
    await this.table().getByRole('link', { name, exact: true }).click();
  }
  demoBanner(): Locator {
    return this.page.getByText('Demo data: these patients are synthetic');
  }
}

export class PatientScreen {
  constructor(private readonly page: Page) {}
  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }
  chartSection(streamCode: string): Locator {
    return this.page.locator(`[data-stream="${streamCode}"]`);
  }
  async waitForChart(streamCode: string): Promise<void> {
    await this.page.locator(`[data-stream="${streamCode}"][data-ready="true"]`).waitFor({ timeout: 15_000 });
  }
  charts(): Locator {
    return this.page.locator('canvas[role="img"]');
  }
}
