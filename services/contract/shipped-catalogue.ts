// Where the code catalogue shipped with the package is, from the package root. The replay's provenance names it
// by this path; package-root.ts turns it into an absolute path for reading.

/** The shipped code catalogue, relative to the package root. */
export const SHIPPED_CATALOGUE_PATH = 'schemas/code-catalogue.json';
