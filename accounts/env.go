package accounts

import (
	"fmt"
	"strconv"
	"time"

	"sportello/internal/ratelimit"
)

// Environment variables for the security settings (README, "Accounts and sessions").
const (
	EnvSessionTTL    = "SPORTELLO_SESSION_TTL"         // e.g. 12h
	EnvIdleTimeout   = "SPORTELLO_SESSION_IDLE"        // e.g. 2h
	EnvMaxFailures   = "SPORTELLO_LOGIN_MAX_FAILURES"  // failures of an account from one address before delays, e.g. 3
	EnvFailureWindow = "SPORTELLO_LOGIN_WINDOW"        // the longest delay, e.g. 15m
	EnvAddressLimit  = "SPORTELLO_LOGIN_ADDRESS_LIMIT" // failures of one address across accounts, e.g. 30/30m
	EnvMinPassword   = "SPORTELLO_PASSWORD_MIN_LENGTH" // e.g. 10
)

// ConfigFromEnv reads the security settings from the environment through getenv (os.Getenv);
// unset variables keep the defaults. A bad value is an error naming the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{EnvSessionTTL, &c.SessionTTL}, {EnvIdleTimeout, &c.IdleTimeout}, {EnvFailureWindow, &c.FailureWindow}} {
		if v := getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return Config{}, fmt.Errorf("%s=%q: want a positive duration such as 30m or 12h", d.env, v)
			}
			*d.dst = x
		}
	}
	for _, n := range []struct {
		env string
		dst *int
		min int
	}{{EnvMaxFailures, &c.MaxFailures, 1}, {EnvMinPassword, &c.MinPasswordLen, 8}} {
		if v := getenv(n.env); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil || x < n.min {
				return Config{}, fmt.Errorf("%s=%q: want a whole number of at least %d", n.env, v, n.min)
			}
			*n.dst = x
		}
	}
	if v := getenv(EnvAddressLimit); v != "" {
		if _, err := ratelimit.ParseConfig(v); err != nil {
			return Config{}, fmt.Errorf("%s=%q: want failures/period such as 30/30m", EnvAddressLimit, v)
		}
		c.AddressLimit = v
	}
	return c.withDefaults(), nil
}
