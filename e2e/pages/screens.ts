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

/** The import area of a patient's page. */
export class ImportPanel {
  constructor(private readonly page: Page) {}
  /** Chooses files through the "Import files…" file input (what the button opens). */
  async choose(...files: string[]): Promise<void> {
    await this.page.getByLabel('Files to import').setInputFiles(files);
  }
  /** Chooses files the keyboard way: focus "Import files…", press Enter, answer the file chooser it opens. */
  async chooseWithKeyboard(...files: string[]): Promise<void> {
    const chooser = this.page.waitForEvent('filechooser');
    await this.page.getByRole('button', { name: 'Import files…' }).focus();
    await this.page.keyboard.press('Enter');
    await (await chooser).setFiles(files);
  }
  /** Drops a file on the drop area, as a file dragged from the desktop arrives (a DataTransfer holding a File). */
  async drop(fileName: string, content: string, type = 'application/json'): Promise<void> {
    const dataTransfer = await this.page.evaluateHandle(
      ({ fileName, content, type }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([content], fileName, { type }));
        return dt;
      },
      { fileName, content, type },
    );
    const zone = this.page.locator('.drop-zone');
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
  }
  /** The row of the newest import of this file. */
  file(fileName: string): Locator {
    return this.page.getByRole('listitem', { name: `Import of ${fileName}` }).last();
  }
  async chooseZone(zone: string): Promise<void> {
    await this.page.getByLabel('Patient’s time zone').selectOption(zone);
    await this.page.getByRole('button', { name: 'Import with this time zone' }).click();
  }
  async dismissAll(): Promise<void> {
    const buttons = this.page.getByRole('button', { name: /^Dismiss/ });
    while ((await buttons.count()) > 0) await buttons.first().click();
  }
  /** Records every aria-valuenow any import progressbar shows from now on (imports of small files are quick). */
  async watchProgress(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { __progressSeen: number[] }).__progressSeen = seen;
      const note = (el: Element) => {
        const v = el.getAttribute('aria-valuenow');
        if (el.getAttribute('role') === 'progressbar' && v !== null) seen.push(Number(v));
      };
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.type === 'attributes') note(r.target as Element);
          for (const n of Array.from(r.addedNodes)) {
            if (n instanceof Element) [n, ...Array.from(n.querySelectorAll('[role="progressbar"]'))].forEach(note);
          }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    });
  }
  progressSeen(): Promise<number[]> {
    return this.page.evaluate(() => (window as unknown as { __progressSeen: number[] }).__progressSeen);
  }
}
