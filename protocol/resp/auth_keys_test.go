package resp

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestAuthAccessKeys: with the DynamoDB port's access keys (--credentials),
// RESP clients AUTH with an access key id and its secret, beside
// --requirepass; without a password the default user is closed.
func TestAuthAccessKeys(t *testing.T) {
	creds := map[string]string{"AKIDLOCAL": "s3cret/Key", "AKIDTWO": "two"}
	for _, pass := range []string{"", "sesame"} {
		ts := startServer(t, Options{SweepInterval: -1, RequirePass: pass, Credentials: creds})
		c := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true, PoolSize: 1})
		cv := &convo{t: t, c: c, ts: ts}
		cv.Do("GET", "k").Err("NOAUTH Authentication required.")
		cv.Do("AUTH", "AKIDLOCAL", "wrong").Err("WRONGPASS invalid username-password pair or user is disabled.")
		cv.Do("AUTH", "AKIDNOBODY", "s3cret/Key").Err("WRONGPASS invalid username-password pair or user is disabled.")
		cv.Do("AUTH", "default", "anything").Err("WRONGPASS invalid username-password pair or user is disabled.")
		if pass == "" {
			cv.Do("AUTH", "anything").Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		} else {
			cv.Do("AUTH", pass).OK()
		}
		cv.Do("AUTH", "AKIDLOCAL", "s3cret/Key").OK()
		cv.Do("SET", "k", "v").OK()
		c.Close()

		c2 := redis.NewClient(&redis.Options{Addr: ts.addr, Username: "AKIDTWO", Password: "two", MaxRetries: -1})
		if v, err := c2.Get(context.Background(), "k").Result(); err != nil || v != "v" {
			t.Fatalf("client with an access key (HELLO/AUTH): %q %v", v, err)
		}
		c2.Close()
	}
}
