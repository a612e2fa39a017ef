// What quads.wgsl reports without subgroups: no lane's value (all ones), so the check
// finds no quads. lib/quad-lanes.subgroups.wgsl is the version that asks the device.
fn quadValues(v: u32) -> vec4u {
  return vec4u(0xffffffffu);
}
