// Version of every --json document stacklab writes. Bump the major when a field changes meaning.
export const JSON_VERSION = '1.0';
