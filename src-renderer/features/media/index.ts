export { MediaSection, canChangeMedia, driveText, INSERT_DIALOG, type MediaVm } from './media-section.js';
export { MediaTracker, mediaTrackerFor, useVmMedia, isoFileName, type DriveStatus, type VmMedia } from './media-tracker.js';
