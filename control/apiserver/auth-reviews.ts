// The review endpoints kubectl calls for `auth can-i` and `auth whoami`.
// meshlet has one user (the token holder) who may do everything.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.ts';
import { sendJson } from './responses.ts';

export const ADMIN_USER = { username: 'meshlet-admin', groups: ['system:masters', 'system:authenticated'] };

const ACCESS_REVIEW = /^\/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews$/;
const RULES_REVIEW = /^\/apis\/authorization\.k8s\.io\/v1\/selfsubjectrulesreviews$/;
const SELF_REVIEW = /^\/apis\/authentication\.k8s\.io\/(v1|v1beta1)\/selfsubjectreviews$/;

/** Answers a review POST; false when the path is not one. */
export async function serveAuthReview(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  if (req.method !== 'POST') return false;
  const version = SELF_REVIEW.exec(path)?.[1];
  if (!ACCESS_REVIEW.test(path) && !RULES_REVIEW.test(path) && !version) return false;
  // The answer does not depend on the question, and kubectl may ask in protobuf: the body is read, not decoded.
  await readBody(req);
  if (version) {
    sendJson(res, 201, { kind: 'SelfSubjectReview', apiVersion: `authentication.k8s.io/${version}`, metadata: {}, status: { userInfo: ADMIN_USER } });
  } else if (ACCESS_REVIEW.test(path)) {
    sendJson(res, 201, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec: {}, status: { allowed: true, reason: 'meshlet: the token holder is cluster admin' } });
  } else {
    sendJson(res, 201, {
      kind: 'SelfSubjectRulesReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: {},
      status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false },
    });
  }
  return true;
}
