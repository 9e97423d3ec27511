export { InstallNotice, InstallNotifications, installBadge, installedText, useInstallNotifications } from './install-notice.js';
