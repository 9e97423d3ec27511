// Vite (electron-vite's build and vitest) imports a file's text with the `?raw` suffix: the answer-file templates.
declare module '*?raw' {
  const text: string;
  // eslint-disable-next-line no-restricted-exports -- the shape Vite gives a ?raw import
  export default text;
}

// js-yaml ships no types and @types/js-yaml is not installed: the two functions used here.
declare module 'js-yaml' {
  export function load(text: string): unknown;
  export function dump(value: unknown, options?: { lineWidth?: number; noRefs?: boolean }): string;
  const yaml: { load: typeof load; dump: typeof dump };
  // eslint-disable-next-line no-restricted-exports -- js-yaml's CommonJS default export
  export default yaml;
}
