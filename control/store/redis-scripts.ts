// Lua scripts of the Redis backend. Each runs atomically, so "check the
// key's modRevision, bump the revision, write, append the event" is one step
// for every process sharing the Redis. ARGV[1] is always the key prefix.
//
// Layout under prefix P:
//   P rev           the cluster revision (absent = 1, as a fresh etcd)
//   P compact       the compacted revision (events at or below it are gone)
//   P events        stream of events, entry id "<revision>-0", one per revision
//   P idx           sorted set of all keys (score 0, lexicographic ranges)
//   P data          hash: key → "<createRev>,<modRev>,<version>,<lease id or empty>\n<value JSON>"
//                   (one hash, so a range fetches a page of values with one HMGET per 1000 keys)
//   P lease:<id>    TTL seconds, with PEXPIRE = the lease's deadline
//   P leasekeys:<id> set of keys attached to the lease
//   P leases        set of lease ids (for the reaper)
//   P leaseid       lease id counter
// Keys are computed inside the scripts, so this needs a standalone Redis (not Cluster).

import type { RedisScript } from './redis-client.ts';

const COMMON = `
local P = ARGV[1]
local function bump()
  redis.call('SET', P..'rev', 1, 'NX')
  return redis.call('INCR', P..'rev')
end
local function trim(rev, limit)
  if limit <= 0 then return end
  local compacted = tonumber(redis.call('GET', P..'compact') or '0')
  if rev - limit > compacted then
    redis.call('SET', P..'compact', rev - limit)
    redis.call('XTRIM', P..'events', 'MINID', rev - limit + 1)
  end
end
-- {json, createRev, modRev, version, lease or false}, or {false} when absent.
local function unpack_entry(packed)
  if not packed then return {false} end
  local nl = string.find(packed, '\\n', 1, true)
  local c, m, ver, lease = string.match(string.sub(packed, 1, nl - 1), '^(%d+),(%d+),(%d+),(.*)$')
  if lease == '' then lease = false end
  return {string.sub(packed, nl + 1), c, m, ver, lease}
end
local function fetch(key)
  return unpack_entry(redis.call('HGET', P..'data', key))
end
local function remove(key, cur, limit)
  local rev = bump()
  local lease = cur[5] or ''
  redis.call('HDEL', P..'data', key)
  redis.call('ZREM', P..'idx', key)
  if lease ~= '' then redis.call('SREM', P..'leasekeys:'..lease, key) end
  redis.call('XADD', P..'events', rev..'-0', 't', 'delete', 'k', key,
    'v', cur[1], 'c', cur[2], 'm', rev, 'ver', cur[4], 'l', lease,
    'pv', cur[1], 'pc', cur[2], 'pm', cur[3], 'pver', cur[4], 'pl', lease)
  trim(rev, limit)
  return rev
end
local function drop_lease(id, limit)
  local keys = redis.call('SMEMBERS', P..'leasekeys:'..id)
  table.sort(keys)
  for _, key in ipairs(keys) do
    local cur = fetch(key)
    if cur[1] and cur[5] == id then remove(key, cur, limit) end
  end
  redis.call('DEL', P..'leasekeys:'..id, P..'lease:'..id)
  redis.call('SREM', P..'leases', id)
  return #keys
end
`;

function script(name: string, body: string): RedisScript {
  return { name: `meshletStore_${name}`, lua: COMMON + body };
}

/** ARGV: P, key, mode (create|update), expectedModRevision ('' = any), value JSON, lease ('' none, '~' keep), historyLimit. */
export const PUT = script(
  'put',
  `
local key, mode, expected, value, lease, limit = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local cur = fetch(key)
local exists = cur[1] ~= false
if mode == 'create' and exists then return {'AlreadyExists'} end
if mode == 'update' and not exists then return {'NotFound'} end
if expected ~= '' and exists and cur[3] ~= expected then return {'Conflict', cur[3]} end
if lease == '~' then lease = cur[5] or '' end
if lease ~= '' and redis.call('EXISTS', P..'lease:'..lease) == 0 then return {'LeaseNotFound'} end
local rev = bump()
local create, ver = rev, 1
if exists then create, ver = tonumber(cur[2]), tonumber(cur[4]) + 1 end
redis.call('HSET', P..'data', key, create..','..rev..','..ver..','..lease..'\\n'..value)
local old = cur[5] or ''
if old ~= '' and old ~= lease then redis.call('SREM', P..'leasekeys:'..old, key) end
if lease ~= '' then redis.call('SADD', P..'leasekeys:'..lease, key) end
if not exists then redis.call('ZADD', P..'idx', 0, key) end
if exists then
  redis.call('XADD', P..'events', rev..'-0', 't', 'put', 'k', key, 'v', value, 'c', create, 'm', rev, 'ver', ver, 'l', lease,
    'pv', cur[1], 'pc', cur[2], 'pm', cur[3], 'pver', cur[4], 'pl', old)
else
  redis.call('XADD', P..'events', rev..'-0', 't', 'put', 'k', key, 'v', value, 'c', create, 'm', rev, 'ver', ver, 'l', lease)
end
trim(rev, limit)
return {'OK', rev, create, ver, lease}
`,
);

/** ARGV: P, key, expectedModRevision ('' = any), historyLimit. */
export const DELETE = script(
  'delete',
  `
local key, expected, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local cur = fetch(key)
if not cur[1] then return {'NotFound'} end
if expected ~= '' and cur[3] ~= expected then return {'Conflict', cur[3]} end
local rev = remove(key, cur, limit)
return {'OK', rev, cur[1], cur[2], cur[4], cur[5] or ''}
`,
);

/** ARGV: P, key prefix, startAfter ('' none), limit (0 all). Returns {revision, count, then key, packed entry per key}. */
export const RANGE = script(
  'range',
  `
local prefix, after, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local min = '[' .. prefix
if after ~= '' and after >= prefix then min = '(' .. after end
local max = '[' .. prefix .. '\\255'
local count = redis.call('ZLEXCOUNT', P..'idx', min, max)
local keys
if limit > 0 then keys = redis.call('ZRANGEBYLEX', P..'idx', min, max, 'LIMIT', 0, limit)
else keys = redis.call('ZRANGEBYLEX', P..'idx', min, max) end
local out = {redis.call('GET', P..'rev') or '1', count}
for from = 1, #keys, 1000 do
  local chunk = {unpack(keys, from, math.min(from + 999, #keys))}
  local values = redis.call('HMGET', P..'data', unpack(chunk))
  for i, key in ipairs(chunk) do
    out[#out + 1] = key
    out[#out + 1] = values[i]
  end
end
return out
`,
);

/** ARGV: P, revision. Returns the compacted revision after the call. */
export const COMPACT = script(
  'compact',
  `
local target = math.min(tonumber(ARGV[2]), tonumber(redis.call('GET', P..'rev') or '1'))
local compacted = tonumber(redis.call('GET', P..'compact') or '0')
if target > compacted then
  redis.call('SET', P..'compact', target)
  redis.call('XTRIM', P..'events', 'MINID', target + 1)
  compacted = target
end
return compacted
`,
);

/** ARGV: P, ttl seconds, ttl milliseconds. Returns the new lease id. */
export const GRANT = script(
  'grant',
  `
local id = string.format('%016x', redis.call('INCR', P..'leaseid'))
redis.call('SET', P..'lease:'..id, ARGV[2], 'PX', ARGV[3])
redis.call('SADD', P..'leases', id)
return id
`,
);

/** ARGV: P, lease id. Returns 1, or 0 when the lease is gone. */
export const KEEP_ALIVE = script(
  'keepalive',
  `
local ttl = redis.call('GET', P..'lease:'..ARGV[2])
if not ttl then return 0 end
redis.call('PEXPIRE', P..'lease:'..ARGV[2], math.max(1, math.floor(tonumber(ttl) * 1000)))
return 1
`,
);

/** ARGV: P, lease id, historyLimit. Returns 1 if the lease was live, 0 if it was already gone (its keys are dropped either way). */
export const REVOKE = script(
  'revoke',
  `
local id, limit = ARGV[2], tonumber(ARGV[3])
local live = redis.call('EXISTS', P..'lease:'..id)
drop_lease(id, limit)
return live
`,
);

/** ARGV: P, historyLimit. Deletes the keys of every expired lease. Returns how many leases it reaped. */
export const REAP = script(
  'reap',
  `
local limit = tonumber(ARGV[2])
local reaped = 0
for _, id in ipairs(redis.call('SMEMBERS', P..'leases')) do
  if redis.call('EXISTS', P..'lease:'..id) == 0 then
    drop_lease(id, limit)
    reaped = reaped + 1
  end
end
return reaped
`,
);

export const ALL_SCRIPTS = [PUT, DELETE, RANGE, COMPACT, GRANT, KEEP_ALIVE, REVOKE, REAP];
