export { ConnectionsSection, connectionStatusText } from './connections-section.js';
export { LIBVIRT_LIMITS, libvirtReason, type LibvirtLimit } from './libvirt-limits.js';
