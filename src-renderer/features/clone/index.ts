// Only the buttons: the dialogs load on demand (import them from their files in tests).
export { MachineCopyButtons, type MachineCopyButtonsProps } from './machine-copy-buttons.js';
export type { CloneDialogProps } from './clone-dialog.js';
