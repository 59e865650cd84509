package server

import (
	"sync"
	"time"
)

// keyCache keeps the API keys found valid in the store for a bounded
// time (Config.KeyCache), so that a request does not read its key from
// the store each time. Only a key found and not revoked is kept: an
// unknown key is read again every time (a key created meanwhile works at
// once, and a flood of wrong keys fills nothing). A key revoked, in this
// process or another, is refused once its entry expires: at most
// Config.KeyCache after the revocation. A key's role never changes once
// created (promoc keys has no such command); if it did, the same bound
// would hold for it.
type keyCache struct {
	ttl   time.Duration
	clock func() time.Time

	mu   sync.RWMutex
	keys map[string]cachedKey // by the secret's hash
}

type cachedKey struct {
	who     principal
	expires time.Time
}

// maxCachedKeys bounds the entries of a keyCache; beyond, the expired
// ones are dropped, and if none is, all of them.
const maxCachedKeys = 4096

func newKeyCache(ttl time.Duration, clock func() time.Time) *keyCache {
	if ttl <= 0 {
		return nil
	}
	return &keyCache{ttl: ttl, clock: clock, keys: map[string]cachedKey{}}
}

// get is the key of hash, if it was found valid less than ttl ago.
func (c *keyCache) get(hash []byte) (principal, bool) {
	if c == nil {
		return principal{}, false
	}
	c.mu.RLock()
	k, ok := c.keys[string(hash)]
	c.mu.RUnlock()
	if !ok || !c.clock().Before(k.expires) {
		return principal{}, false
	}
	return k.who, true
}

// put keeps a key just found valid in the store.
func (c *keyCache) put(hash []byte, who principal) {
	if c == nil {
		return
	}
	now := c.clock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) >= maxCachedKeys {
		for h, k := range c.keys {
			if !now.Before(k.expires) {
				delete(c.keys, h)
			}
		}
		if len(c.keys) >= maxCachedKeys {
			clear(c.keys)
		}
	}
	c.keys[string(hash)] = cachedKey{who: who, expires: now.Add(c.ttl)}
}
