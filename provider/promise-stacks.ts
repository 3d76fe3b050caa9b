/**
 * Program side. While a program builds many resources at once, @pulumi/pulumi stamps every
 * promise it makes for them with `new Error().stack` (runtime/debuggable.js), which it reads only
 * for its leak report under PULUMI_DEBUG_PROMISE_LEAKS. Formatting those stacks through the
 * source maps took 0.7 s of the 0.85 s a 100-shard archive took to build (`npm run bench`
 * workspace, timing hook on registerResource), and none of the archive's registrations — the
 * placement's starts the provider host — goes out before the build ends. The source positions the
 * engine stores are captured by the SDK under its own limit (Resource.callsites), so they do not
 * change.
 */

/**
 * Sets V8's stack-trace limit to 0 until the returned function restores it, unless
 * PULUMI_DEBUG_PROMISE_LEAKS asks for those stacks. Errors thrown meanwhile carry their message
 * without frames: keep argument checks outside.
 */
export function pausePromiseStacks(): () => void {
  const limit = Error.stackTraceLimit;
  if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}
