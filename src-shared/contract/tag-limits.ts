// Kept apart from commands.ts (zod schemas): the renderer's entry imports these without loading zod.

/** Limits of a VM's tags (the library's groups): at most MAX_TAGS, each 1–MAX_TAG_LENGTH characters. */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;
