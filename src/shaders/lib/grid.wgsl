// The launch layout of 1-D kernels. WG has no default on purpose: the runtime sets it from
// the kernel's declaration (src/gpu/kernel.ts), the one place a workgroup size is written,
// and splits the ceil(threads / WG) workgroups over x and y when they pass the 65535 limit
// per dimension (src/gpu/runtime.ts). Threads past the element count return early.
override WG: u32;

// The element a thread of a 1-D dispatch handles.
fn threadIndex(gid: vec3u, nw: vec3u) -> u32 {
  return gid.x + gid.y * nw.x * WG;
}

// The element a workgroup handles, for kernels with one workgroup per output.
fn groupIndex(wid: vec3u, nw: vec3u) -> u32 {
  return wid.x + wid.y * nw.x;
}
