// The signed-in user lives in a `session` cookie (the real app uses Flask's session);
// productpage turns it into the `end-user` header that Istio's routing examples match.
const COOKIE = 'session';

export function parseCookies(header) {
  const cookies = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name) cookies[name] = part.slice(eq + 1).trim();
  }
  return cookies;
}

export function sessionUser(req) {
  const raw = parseCookies(req.headers.cookie)[COOKIE];
  if (!raw) return '';
  try {
    const session = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    return typeof session.user === 'string' ? session.user : '';
  } catch {
    return '';
  }
}

export function loginCookie(user) {
  return `${COOKIE}=${Buffer.from(JSON.stringify({ user })).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax`;
}

export function logoutCookie() {
  return `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;
}
