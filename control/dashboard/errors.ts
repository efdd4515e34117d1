import { MeshletError } from '../api/index.ts';

export type DashboardErrorCode = 'MESHLET_DASHBOARD_HOST' | 'MESHLET_DASHBOARD_ASSET' | 'MESHLET_DASHBOARD_SOURCE';

export class DashboardError extends MeshletError {
  declare readonly code: DashboardErrorCode;
  constructor(code: DashboardErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `control/dashboard: ${message}`, options);
  }
}
