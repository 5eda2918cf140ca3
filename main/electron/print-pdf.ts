/**
 * "Print / Save as PDF" in the desktop app: the report page asks through report.pdf; this asks where to save
 * (a native dialog, nothing written without the user's choice), renders the window with Chromium's print
 * engine (webContents.printToPDF, honouring the page's @media print and @page rules) and writes the file
 * readable by the user only. Only the one trusted window can be printed.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { app, dialog, type BrowserWindow } from 'electron';
import { AppError } from '../../shared/ipc/errors.js';
import type { PdfPrinter } from '../core/report/report-service.js';

/** `window()`: the app's window, or null while none is open. */
export function createWindowPdfPrinter(window: () => BrowserWindow | null): PdfPrinter {
  return async (connection, request) => {
    const target = window();
    // The IPC bridge names a connection `electron-<webContents id>-<document generation>` (ipc-bridge.ts).
    if (target === null || target.isDestroyed() || !connection.connectionId.startsWith(`electron-${target.webContents.id}-`)) {
      throw new AppError('FORBIDDEN', 'Only the CareTwin window can be saved as a PDF.');
    }
    const choice = await dialog.showSaveDialog(target, {
      title: 'Save the report as PDF',
      defaultPath: path.join(app.getPath('documents'), request.suggestedFileName),
      filters: [{ name: 'PDF', extensions: ['pdf'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    });
    if (choice.canceled || !choice.filePath) return { saved: false, filePath: null, bytes: 0 };
    const pdf = await target.webContents.printToPDF({
      pageSize: request.pageSize,
      printBackground: true,
      preferCSSPageSize: false,
      generateDocumentOutline: true,
    });
    try {
      await writeFile(choice.filePath, pdf, { mode: 0o600 });
    } catch {
      throw new AppError('STORE_UNAVAILABLE', 'The PDF could not be written there. Choose a folder you can write to and try again.');
    }
    return { saved: true, filePath: choice.filePath, bytes: pdf.length };
  };
}
