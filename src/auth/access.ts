import { AppError } from '../errors.js';

/**
 * Who may do what. A role is a set of permissions; a municipality admin's permissions hold
 * only inside their own municipality (see assertInScope). The table is the policy: the access
 * matrix test reads it back through the API.
 */
export const ROLES = ['region-admin', 'municipality-admin', 'operator', 'auditor'] as const;
/**
 * A person signed in on the personal page with their extension's PIN (self-service/): not a
 * role a token can be made for (ROLES, the token API), only a short session scoped to one entry.
 */
export const SELF_ROLE = 'self';
export type Role = (typeof ROLES)[number] | typeof SELF_ROLE;

/**
 * absence:write sets a directory entry's hänvisning: operators do it for staff who call in, as admins do.
 * metrics:read is GET /metrics (the region's figures, no personal data), for those who run the region.
 * absence:self sets the hänvisning of the principal's own entry (entryId) and nothing else.
 */
export const PERMISSIONS = [
  'calls:read',
  'calls:control',
  'directory:read',
  'absence:write',
  'admin:read',
  'admin:write',
  'tokens:read',
  'tokens:write',
  'audit:read',
  'statistics:read',
  'metrics:read',
  'absence:self',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  'region-admin': PERMISSIONS.filter((permission) => permission !== 'absence:self'),
  'municipality-admin': [
    'directory:read',
    'absence:write',
    'admin:read',
    'admin:write',
    'tokens:read',
    'tokens:write',
    'audit:read',
    'statistics:read',
  ],
  operator: ['calls:read', 'calls:control', 'directory:read', 'absence:write', 'statistics:read'],
  auditor: [
    'calls:read',
    'directory:read',
    'admin:read',
    'tokens:read',
    'audit:read',
    'statistics:read',
    'metrics:read',
  ],
  [SELF_ROLE]: ['absence:self'],
};

/** Who is asking: an API token's holder (or the command line, for changes made there). */
export interface Principal {
  id: string;
  name: string;
  role: Role;
  /**
   * Set for a municipality admin: the only municipality they may read and change. An operator's
   * may name their employer: it changes nothing they may do (operators serve every member), only
   * who may link the token to an operator account (admin/operator-accounts.ts).
   */
  municipalityId?: string;
  /** Set for a self session only: the one directory entry whose hänvisning it may set. */
  entryId?: string;
  /** Set for a self session only: the extension it signed in with, whose PIN its person may change. */
  extensionId?: string;
}

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return GRANTS[principal.role].includes(permission);
}

export function assertPermission(principal: Principal, permission: Permission): void {
  if (!hasPermission(principal, permission)) {
    throw new AppError(
      403,
      'forbidden',
      `A token with the role ${principal.role} may not do this (it needs ${permission})`,
    );
  }
}

/** A municipality admin may only touch their own municipality; region-wide objects are not theirs. */
export function assertInScope(principal: Principal, municipalityId: string | undefined): void {
  if (principal.role !== 'municipality-admin') return;
  if (municipalityId !== principal.municipalityId) {
    throw new AppError(
      403,
      'other_municipality',
      municipalityId
        ? `This token administers municipality ${principal.municipalityId}, not ${municipalityId}`
        : `This token administers municipality ${principal.municipalityId} only, not region-wide objects`,
    );
  }
}

/** The municipality a listing is limited to: a municipality admin's own, whatever else was asked. */
export function scopedMunicipality(principal: Principal, asked: string | undefined): string | undefined {
  if (principal.role !== 'municipality-admin') return asked;
  assertInScope(principal, asked ?? principal.municipalityId);
  return principal.municipalityId;
}
