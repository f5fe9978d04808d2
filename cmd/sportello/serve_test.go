package main

import (
	"net"
	"strings"
	"testing"
)

func TestServerURL(t *testing.T) {
	tests := []struct {
		addr, base, want string
	}{
		{"[::]:8080", "", "http://localhost:8080/"},
		{"0.0.0.0:8080", "", "http://localhost:8080/"},
		{"127.0.0.1:41234", "", "http://127.0.0.1:41234/"},
		{"[::1]:9000", "", "http://[::1]:9000/"},
		{"127.0.0.1:8080", "https://sportello.regione.example/", "https://sportello.regione.example/"},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := serverURL(a, tt.base); got != tt.want {
			t.Errorf("serverURL(%s, %q) = %s, want %s", tt.addr, tt.base, got, tt.want)
		}
	}
}

func TestServeUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"serve", "--help"}, 0},
		{[]string{"serve", "--no-such-flag"}, 2},
		{[]string{"serve", "extra"}, 2},
	} {
		var out, errOut strings.Builder
		if got := run(tt.args, &out, &errOut); got != tt.want {
			t.Errorf("%v: exit %d, want %d\n%s", tt.args, got, tt.want, errOut.String())
		}
	}
}
