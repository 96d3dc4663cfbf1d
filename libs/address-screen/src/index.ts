export { canonicalAddress, createAddressPolicy, metadataAddresses } from './address-policy.js';
export type { AddressPolicy, AddressVerdict } from './address-policy.js';
export { formatAddress, formatIpv4, isInBlock, parseAddress, parseBlock } from './ip-address.js';
export type { AddressBlock, ParsedAddress } from './ip-address.js';
