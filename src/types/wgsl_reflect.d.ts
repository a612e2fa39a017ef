// wgsl_reflect's package.json points Node's ESM loader at a CommonJS build; its ESM build
// lives at this deep path, which ships no .d.ts of its own. Re-use the package's types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
