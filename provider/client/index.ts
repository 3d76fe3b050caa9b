export * from "./schemas";
export * from "./errors";
export * from "./explorer";
export { parseRetryAfter } from "./transport";
