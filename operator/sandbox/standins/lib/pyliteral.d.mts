// Types for the plain-JS parser (the stand-ins run without a TypeScript loader).
export class PyLiteralError extends Error {}
export function parsePyLiteral(text: string): unknown;
