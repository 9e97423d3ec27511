/** The bundle folder holding the installer's kernel, initrd and answer media while an unattended install runs. */
export const UNATTENDED_DIR = 'unattended';
export const KERNEL_FILE = 'vmlinuz';
export const INITRD_FILE = 'initrd';
