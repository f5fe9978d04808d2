package accounts

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want Config
		err  string
	}{
		{nil, Config{}.withDefaults(), ""},
		{map[string]string{EnvSessionTTL: "8h", EnvIdleTimeout: "30m", EnvMaxFailures: "5", EnvFailureWindow: "5m", EnvAddressLimit: "10/10m", EnvMinPassword: "12"},
			Config{SessionTTL: 8 * time.Hour, IdleTimeout: 30 * time.Minute, MaxFailures: 5, FailureWindow: 5 * time.Minute, AddressLimit: "10/10m", MinPasswordLen: 12}, ""},
		{map[string]string{EnvAddressLimit: "tanti"}, Config{}, EnvAddressLimit},
		{map[string]string{EnvSessionTTL: "domani"}, Config{}, EnvSessionTTL},
		{map[string]string{EnvIdleTimeout: "-1h"}, Config{}, EnvIdleTimeout},
		{map[string]string{EnvMaxFailures: "0"}, Config{}, EnvMaxFailures},
		{map[string]string{EnvMinPassword: "6"}, Config{}, "at least 8"},
	} {
		got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ConfigFromEnv(%v) = %v, want an error about %s", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ConfigFromEnv(%v) = %+v, %v; want %+v", tc.env, got, err, tc.want)
		}
	}
}
