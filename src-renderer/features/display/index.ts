export { DisplayView, type DisplayViewProps } from './display-view.js';
export { DisplayRoute, useDisplayRoute, openDisplayRoute } from './display-route.js';
export { displayRouteHash, displayRouteVm, BUILTIN_COMBOS, sendKeyItems, comboLabel, clipboardLabel } from './display-model.js';
export { useVmThumbnails, fetchThumbnail, pngDataUrl } from './use-thumbnails.js';
