export { ExportDialog, type ExportDialogProps } from './export-dialog.js';
export { ImportDialog, ARCHIVE_FILTERS, type ImportDialogProps } from './import-dialog.js';
export { archiveNameError, defaultArchiveName, joinPath } from './archive-model.js';
