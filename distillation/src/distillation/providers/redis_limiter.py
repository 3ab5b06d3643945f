"""A rate limiter shared by every process that talks to the same Redis.

One Lua script checks and takes all of a request's costs (requests and tokens) atomically, with
Redis's own clock, so workers on different machines need no clock agreement. The same script first
checks the key's pause (set when an answer's headers show a limit used up until its reset), so a
pause holds every worker. Limits learned from the headers are kept in a hash beside the windows
(`learned`), for other workers and for the dashboard. Each window is a
sorted set of entries scored by time (member = "time:cost:nonce") plus a running sum; expired
entries are subtracted from the sum as they are dropped. The `limits` library was the other
candidate, but its moving window stores one list element per unit of cost, which does not scale to
tokens-per-minute limits in the millions.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from distillation.providers.errors import MissingDependencyError
from distillation.providers.ratelimit import Part, part_period

if TYPE_CHECKING:
    from redis.asyncio import Redis

_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nonce = ARGV[2]
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused end
local n = (#KEYS - 1) / 2
local wait = 0
for i = 1, n do
  local zkey, skey = KEYS[2 * i], KEYS[2 * i + 1]
  local limit, cost, period = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  local old = redis.call('ZRANGEBYSCORE', zkey, '-inf', now - period)
  if #old > 0 then
    local freed = 0
    for _, m in ipairs(old) do freed = freed + tonumber(string.match(m, '^%d+:(%d+):')) end
    redis.call('ZREMRANGEBYSCORE', zkey, '-inf', now - period)
    redis.call('DECRBY', skey, freed)
  end
  local used = tonumber(redis.call('GET', skey) or '0')
  if cost > limit then cost = limit end
  local need = used + cost - limit
  if need > 0 then
    local entries = redis.call('ZRANGE', zkey, 0, -1, 'WITHSCORES')
    local acc = 0
    for j = 1, #entries, 2 do
      acc = acc + tonumber(string.match(entries[j], '^%d+:(%d+):'))
      if acc >= need then
        local w = tonumber(entries[j + 1]) + period - now
        if w > wait then wait = w end
        break
      end
    end
    if acc < need and period > wait then wait = period end
  end
end
if wait > 0 then return wait end
for i = 1, n do
  local zkey, skey = KEYS[2 * i], KEYS[2 * i + 1]
  local limit, cost, period = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if cost > limit then cost = limit end
  redis.call('ZADD', zkey, now, now .. ':' .. cost .. ':' .. nonce)
  redis.call('INCRBY', skey, cost)
  redis.call('PEXPIRE', zkey, period * 2)
  redis.call('PEXPIRE', skey, period * 2)
end
return 0
"""

# Extends a pause, never shortens it.
_PAUSE = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
"""

LEARNED_TTL_S = 86_400  # learned limits are forgotten after a day without answers that restate them


class RedisLimiter:
    """Sliding-window limiter stored in Redis; implements `Limiter`.

    Args:
        redis: A `redis.asyncio.Redis` client, or a URL such as "redis://127.0.0.1:6379/0".
        prefix: Key prefix, so several deployments can share one Redis.

    Example:
        >>> limiter = RedisLimiter("redis://127.0.0.1:6379/0")  # doctest: +SKIP
        >>> model = get_model("openai:gpt-4o-mini", credentials=..., limiter=limiter)  # doctest: +SKIP
    """

    def __init__(self, redis: Redis | str, prefix: str = "distillation:ratelimit") -> None:
        self._redis = _connect(redis) if isinstance(redis, str) else redis
        self._owns_client = isinstance(redis, str)
        self._prefix = prefix
        self._script: Any = self._redis.register_script(_SCRIPT)
        self._pause_script: Any = self._redis.register_script(_PAUSE)

    async def try_acquire(self, key: str, parts: Sequence[Part], period_s: float) -> float:
        """See `Limiter.try_acquire`."""
        keys: list[str] = [f"{self._prefix}:{{{key}}}:pause"]
        args: list[int | str] = [max(1, round(period_s * 1000)), uuid.uuid4().hex]
        for part in parts:
            name, limit, cost = part[0], part[1], part[2]
            base = f"{self._prefix}:{{{key}}}:{name}"  # hash tag keeps one key's windows on one cluster slot
            keys += [f"{base}:log", f"{base}:sum"]
            args += [limit, cost, max(1, round(part_period(part, period_s) * 1000))]
        wait_ms = int(await self._script(keys=keys, args=args))
        return wait_ms / 1000.0

    async def pause(self, key: str, seconds: float) -> None:
        """See `Limiter.pause`."""
        millis = round(seconds * 1000)
        if millis > 0:
            await self._pause_script(keys=[f"{self._prefix}:{{{key}}}:pause"], args=[millis])

    async def publish_learned(self, key: str, info: dict[str, int]) -> None:
        """See `Limiter.publish_learned`: a hash with `rpm`, `tpm` and `updated_at`, kept for a day."""
        name = f"{self._prefix}:{{{key}}}:learned"
        fields: dict[Any, int] = {k: int(v) for k, v in info.items()}
        fields["updated_at"] = int(time.time())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(name)
            pipe.hset(name, mapping=fields)
            pipe.expire(name, LEARNED_TTL_S)
            await pipe.execute()

    async def learned(self, key: str) -> dict[str, int] | None:
        """See `Limiter.learned`, e.g. `await RedisLimiter(url).learned("openai:gpt-4o-mini")`."""
        found = await self._redis.hgetall(f"{self._prefix}:{{{key}}}:learned")
        if not found:
            return None
        return {_text(k): int(v) for k, v in found.items()}

    async def reset(self, key: str) -> None:
        """Forgets every window of `key` (tests and operators)."""
        names = [k async for k in self._redis.scan_iter(match=f"{self._prefix}:{{{key}}}:*")]
        if names:
            await self._redis.delete(*names)

    async def aclose(self) -> None:
        """Closes the Redis client if this limiter created it."""
        if self._owns_client:
            await self._redis.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _connect(url: str) -> Redis:
    try:
        from redis.asyncio import Redis
    except ImportError as exc:
        raise MissingDependencyError("redis limiter", "redis", "redis") from exc
    return Redis.from_url(url)
