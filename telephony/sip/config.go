package sip

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
)

// FileConfig is the "sip" section of Sportello's configuration, in JSON:
//
//	{
//	  "listen": "0.0.0.0:5060",
//	  "mediaIP": "192.0.2.10",
//	  "numbers": {"100": "centralino", "800": "numero verde"},
//	  "answerDelay": "1s",
//	  "loginOnRegister": true,
//	  "accounts": {"201": "password of 201's phone"},
//	  "callbackKey": "1",
//	  "choiceTimeout": "15s",
//	  "maxRecording": "2m",
//	  "maxExpires": "1h",
//	  "outbound": "sip:{number}@192.0.2.1:5060",
//	  "dialTimeout": "30s"
//	}
//
// Operator accounts are the operators of the telephony configuration: each phone registers as
// its operator's "extension", with the password given in "accounts" (digest authentication) or,
// for extensions left out, without one. Keep the file readable by the service only.
type FileConfig struct {
	Listen          string             `json:"listen"`
	MediaIP         string             `json:"mediaIP"`
	Numbers         map[string]string  `json:"numbers"`
	AnswerDelay     telephony.Duration `json:"answerDelay"`
	LoginOnRegister bool               `json:"loginOnRegister"`
	Accounts        map[string]string  `json:"accounts"`
	CallbackKey     string             `json:"callbackKey"`
	ChoiceTimeout   telephony.Duration `json:"choiceTimeout"`
	MaxRecording    telephony.Duration `json:"maxRecording"`
	MaxExpires      telephony.Duration `json:"maxExpires"`
	Outbound        string             `json:"outbound"`
	DialTimeout     telephony.Duration `json:"dialTimeout"`
}

// ParseConfig reads and validates a SIP configuration against the telephony setup it serves
// (the queues numbers point to, the operators who register). Errors name the file, the line
// for JSON syntax and the field for values; the Config returned lacks only Center and Prompts.
func ParseConfig(name string, data []byte, setup *telephony.Setup) (Config, error) {
	var f FileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return Config{}, fmt.Errorf("%s:%d: %v", name, line(data, syn.Offset), err)
		case errors.As(err, &typ):
			return Config{}, fmt.Errorf("%s:%d: field %s: want a %s", name, line(data, typ.Offset), typ.Field, typ.Type)
		case err == io.EOF:
			return Config{}, fmt.Errorf("%s: empty file", name)
		}
		return Config{}, fmt.Errorf("%s: %v", name, err)
	}
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("%s: %s: %s", name, field, fmt.Sprintf(format, a...))
	}
	if f.Listen == "" {
		f.Listen = "127.0.0.1:5060"
	}
	host, port, err := net.SplitHostPort(f.Listen)
	if err != nil {
		return Config{}, bad("listen", "%q is not host:port", f.Listen)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return Config{}, bad("listen", "bad port %q", port)
	}
	if host != "" && net.ParseIP(host) == nil {
		return Config{}, bad("listen", "%q is not an IP address", host)
	}
	if f.MediaIP != "" && net.ParseIP(f.MediaIP) == nil {
		return Config{}, bad("mediaIP", "%q is not an IP address", f.MediaIP)
	}
	if len(f.Numbers) == 0 {
		return Config{}, bad("numbers", "no queue number: callers could reach nothing")
	}
	queues := map[string]bool{}
	if setup != nil {
		for _, q := range setup.Queues {
			if !q.Offline {
				queues[q.Name] = true
			}
		}
	}
	nums := make([]string, 0, len(f.Numbers))
	for n := range f.Numbers {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	for _, n := range nums {
		if n == "" {
			return Config{}, bad("numbers", "empty number")
		}
		if q := f.Numbers[n]; setup != nil && !queues[q] {
			return Config{}, bad("numbers."+n, "no voice queue %q in the telephony configuration", q)
		}
	}
	var key byte
	switch len(f.CallbackKey) {
	case 0:
	case 1:
		key = f.CallbackKey[0]
		if !(key >= '0' && key <= '9' || key == '*' || key == '#') {
			return Config{}, bad("callbackKey", "%q is not a telephone key", f.CallbackKey)
		}
	default:
		return Config{}, bad("callbackKey", "%q is not one key", f.CallbackKey)
	}
	if f.Outbound != "" {
		var u sipmsg.Uri
		if !strings.Contains(f.Outbound, "{number}") {
			return Config{}, bad("outbound", "%q has no {number}", f.Outbound)
		}
		if err := sipmsg.ParseUri(strings.ReplaceAll(f.Outbound, "{number}", "0"), &u); err != nil || u.Host == "" {
			return Config{}, bad("outbound", "%q is not a SIP URI", f.Outbound)
		}
	}
	cfg := Config{Addr: f.Listen, Outbound: f.Outbound, DialTimeout: time.Duration(f.DialTimeout), MediaIP: f.MediaIP, Queues: f.Numbers, LoginOnRegister: f.LoginOnRegister,
		AnswerDelay: time.Duration(f.AnswerDelay), CallbackKey: key, ChoiceTimeout: time.Duration(f.ChoiceTimeout),
		MaxRecording: time.Duration(f.MaxRecording), MaxExpires: time.Duration(f.MaxExpires)}
	if setup != nil {
		cfg.Operators = ExtensionsOf(setup.Operators)
		if len(cfg.Operators) == 0 {
			return Config{}, bad("operators", "no operator has an extension: no phone could register")
		}
	}
	exts := make([]string, 0, len(f.Accounts))
	for ext := range f.Accounts {
		exts = append(exts, ext)
	}
	sort.Strings(exts)
	for _, ext := range exts {
		if f.Accounts[ext] == "" {
			return Config{}, bad("accounts."+ext, "empty password")
		}
		if setup != nil && cfg.Operators[ext] == "" {
			return Config{}, bad("accounts."+ext, "no operator has extension %q", ext)
		}
	}
	if len(f.Accounts) > 0 {
		cfg.Accounts = f.Accounts
	}
	return cfg, nil
}

func line(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
