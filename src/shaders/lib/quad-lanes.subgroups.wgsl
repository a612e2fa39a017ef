// The values v of the four lanes of this invocation's quad, lane 0 first.
fn quadValues(v: u32) -> vec4u {
  return vec4u(quadBroadcast(v, 0u), quadBroadcast(v, 1u), quadBroadcast(v, 2u), quadBroadcast(v, 3u));
}
