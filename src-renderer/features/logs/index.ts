// Only the button is eager: the dialog loads on first use (see logs-button.tsx).
export { LogsButton } from './logs-button.js';
