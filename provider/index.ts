// Public API of the package `pulumi-tfgrid` (GUIDE §3).
export { Network, type NetworkArgs, type NetworkAccessArgs } from "./resources/network";
export { ZdbNamespace, type ZdbNamespaceArgs } from "./resources/zdb";
export { Volume, type VolumeArgs } from "./resources/volume";
export { Container, type ContainerArgs } from "./resources/container";
